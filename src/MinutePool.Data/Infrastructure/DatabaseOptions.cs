using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace MinutePool.Data.Infrastructure;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>How the app reaches its database: SQLite (embedded default) or PostgreSQL (production).</summary>
public static class DatabaseOptions
{
    public static void Configure(DbContextOptionsBuilder builder, DatabaseProvider provider, string connectionString)
    {
        switch (provider)
        {
            case DatabaseProvider.Postgres:
                builder.UseNpgsql(connectionString, npgsql => npgsql.EnableRetryOnFailure(0));
                break;
            case DatabaseProvider.Sqlite:
                builder.UseSqlite(connectionString);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, null);
        }

        // Migrations are hand-written and there is no model snapshot to compare with; the schema test
        // (SchemaMatchesModelTests) is what proves the migrations match the model.
        builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
    }

    /// <summary>SQLite connection string for a file under <paramref name="dataFolder"/>.</summary>
    public static string SqliteFile(string dataFolder, string fileName = "minutepool.db")
    {
        Directory.CreateDirectory(dataFolder);
        return new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dataFolder, fileName),
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>True when a database failure is a unique-key violation (a concurrent duplicate).</summary>
    public static bool IsUniqueViolation(DbUpdateException exception) => exception.InnerException switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };
}
