using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace MinutePool.Data.Infrastructure;

/// <summary>
/// Applies pending migrations at start-up. EF Core takes a database-wide migration lock (a table lock
/// on PostgreSQL, a lock row on SQLite), so two instances starting together apply each migration once.
/// </summary>
public static class DatabaseMigrator
{
    public static async Task MigrateAsync(MinutePoolDbContext context, ILogger logger, CancellationToken cancellationToken = default)
    {
        if (!context.IsPostgres)
        {
            // WAL lets readers go on while a writer commits; it is a property of the file, set once.
            await context.Database.OpenConnectionAsync(cancellationToken);
            await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Applying {Count} migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
        }

        await context.Database.MigrateAsync(cancellationToken);
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
