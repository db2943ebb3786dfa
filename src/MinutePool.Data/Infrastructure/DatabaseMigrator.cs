using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace MinutePool.Data.Infrastructure;

/// <summary>
/// Applies pending migrations at start-up, safely when several instances start together: on PostgreSQL
/// the whole run holds a session advisory lock (EF's own lock did not stop two instances from both
/// applying a second migration — SchemaMatchesModelTests caught it); on SQLite EF's lock row and the
/// file lock serialise the writers.
/// </summary>
public static class DatabaseMigrator
{
    /// <summary>An arbitrary, fixed advisory-lock key for "migrating MinutePool".</summary>
    private const long MigrationLockKey = 0x4D696E506F6F6CL;

    public static async Task MigrateAsync(MinutePoolDbContext context, ILogger logger, CancellationToken cancellationToken = default)
    {
        if (!context.IsPostgres)
        {
            // WAL lets readers go on while a writer commits; it is a property of the file, set once.
            await context.Database.OpenConnectionAsync(cancellationToken);
            await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count == 0)
        {
            // Nothing to do, and nothing attempted: an app role without DDL rights (row-level security
            // deployments) starts against a database its owner migrated.
            return;
        }

        logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));

        if (!context.IsPostgres)
        {
            await context.Database.MigrateAsync(cancellationToken);
            return;
        }

        await using var lockConnection = new NpgsqlConnection(context.Database.GetConnectionString());
        await lockConnection.OpenAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", lockConnection))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            await context.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", lockConnection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>True when the database answers and has every migration applied (readiness).</summary>
    public static async Task<bool> IsReadyAsync(MinutePoolDbContext context, CancellationToken cancellationToken = default)
    {
        if (!await context.Database.CanConnectAsync(cancellationToken))
        {
            return false;
        }

        return !(await context.Database.GetPendingMigrationsAsync(cancellationToken)).Any();
    }
}
