using MinutePool.Data.Infrastructure;

namespace MinutePool.Web.Hosting;

/// <summary>The <c>MinutePool</c> configuration section (see the README's configuration table).</summary>
public sealed class MinutePoolOptions
{
    public const string Section = "MinutePool";

    public DatabaseSection Database { get; set; } = new();

    public DemoSection Demo { get; set; } = new();

    /// <summary>Bearer token of the platform operator; empty turns the operator endpoints off (404).</summary>
    public string? OperatorToken { get; set; }

    public sealed class DatabaseSection
    {
        public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

        /// <summary>Where the SQLite file lives when no connection string is given (relative to the content root).</summary>
        public string DataFolder { get; set; } = "data";

        /// <summary>
        /// PostgreSQL only: give every connection the request's tenant for the row-level security policies
        /// (for an app connecting as a role that does not own the tables; see RowLevelSecurity).
        /// </summary>
        public bool RowLevelSecurity { get; set; }

        /// <summary>
        /// PostgreSQL only: call starts and ends of concurrent requests share one statement and one commit per batch
        /// (CallWriteBatches); each request is answered once its batch committed. Off only to compare in the benchmark.
        /// </summary>
        public bool GroupCommit { get; set; } = true;
    }

    public sealed class DemoSection
    {
        /// <summary>Seed the demo account when the database has no account yet.</summary>
        public bool SeedOnEmptyDatabase { get; set; } = true;
    }

    /// <summary>The connection string in force: the configured one, or a SQLite file in the data folder.</summary>
    public string ConnectionString(IConfiguration configuration, string contentRoot)
    {
        var configured = configuration.GetConnectionString("MinutePool");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        if (Database.Provider == DatabaseProvider.Postgres)
        {
            throw new InvalidOperationException("MinutePool:Database:Provider is Postgres but ConnectionStrings:MinutePool is empty.");
        }

        return DatabaseOptions.SqliteFile(Path.GetFullPath(Database.DataFolder, contentRoot));
    }
}
