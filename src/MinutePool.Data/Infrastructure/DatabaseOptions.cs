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
                builder.UseNpgsql(Tuned(connectionString), npgsql => npgsql.EnableRetryOnFailure(0));
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

    /// <summary>
    /// Npgsql settings for a request that runs many short statements on pooled connections, unless the
    /// connection string sets them itself: no <c>DISCARD ALL</c> each time EF hands a connection back
    /// (the app keeps no session state: no SET, no temp tables, and the migrator releases its advisory
    /// lock itself), and the hot statements prepared once per connection instead of parsed every time.
    /// Measured by the benchmark: about half of all statements per call request were DISCARD ALL.
    /// And PostgreSQL's generic plans for every statement (<c>plan_cache_mode = force_generic_plan</c>): left to
    /// choose, it compares each prepared statement's generic plan with the custom plans of its first executions, and
    /// when statistics made the generic one look dearer it planned the API key's query afresh on every execution,
    /// 2.2 ms of planning for a 0.5 ms query (a full benchmark run: 9,462 plans for 9,462 executions, and the
    /// spread phases at a third of the run before); the batch statements had the same problem. Every statement
    /// here names its account, so the generic plan is the index plan a custom one would pick.
    /// </summary>
    private const string GenericPlans = "force_generic_plan";

    public static string Tuned(string connectionString)
    {
        var npgsql = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Mentions(connectionString, "reset on close"))
        {
            npgsql.NoResetOnClose = true;
        }

        if (!Mentions(connectionString, "auto prepare"))
        {
            npgsql.MaxAutoPrepare = 64;
            npgsql.AutoPrepareMinUsages = 2;
        }

        if (!Mentions(connectionString, "plan_cache_mode"))
        {
            npgsql.Options = $"{npgsql.Options} -c plan_cache_mode={GenericPlans}".Trim();
        }

        return npgsql.ToString();

        static bool Mentions(string text, string words) =>
            text.Replace(" ", "", StringComparison.Ordinal).Contains(words.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
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

    /// <summary>
    /// True when a database failure is a unique-key violation (a concurrent duplicate): from SaveChanges (the provider's
    /// error inside a DbUpdateException) or from raw SQL (the provider's error itself).
    /// </summary>
    public static bool IsUniqueViolation(Exception exception) => (exception is DbUpdateException ? exception.InnerException : exception) switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19 && sqlite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };
}
