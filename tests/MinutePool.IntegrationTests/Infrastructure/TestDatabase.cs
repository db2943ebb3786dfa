using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MinutePool.Data;
using MinutePool.Data.Infrastructure;
using MinutePool.Data.Tenancy;
using Npgsql;

namespace MinutePool.IntegrationTests.Infrastructure;

/// <summary>
/// A fresh, migrated database for one test class: a new database on the PostgreSQL server named by
/// MINUTEPOOL_TEST_PG (eng/test.sh starts one), or a new SQLite file. Dropped afterwards.
/// </summary>
public abstract class TestDatabase : IAsyncLifetime
{
    public const string ServerVariable = "MINUTEPOOL_TEST_PG";

    public abstract DatabaseProvider Provider { get; }

    public string ConnectionString { get; protected set; } = "";

    public TestClock Clock { get; } = new(new DateTimeOffset(2026, 11, 22, 15, 0, 0, TimeSpan.Zero));

    /// <summary>Services like the app's, with the test clock; one scope is one request.</summary>
    public ServiceProvider Services { get; private set; } = null!;

    public bool Migrate { get; init; } = true;

    /// <summary>PostgreSQL: call starts and ends in batches (the app's default); false for the single-statement path.</summary>
    public bool GroupCommit { get; init; } = true;

    public async Task InitializeAsync()
    {
        await CreateAsync();
        Services = new ServiceCollection()
            .AddSingleton<TimeProvider>(Clock)
            .AddMinutePoolData(Provider, ConnectionString, groupCommit: GroupCommit)
            .BuildServiceProvider();
        if (Migrate)
        {
            await using var scope = Services.CreateAsyncScope();
            await DatabaseMigrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>(), NullLogger.Instance);
        }
    }

    public async Task DisposeAsync()
    {
        await Services.DisposeAsync();
        await DropAsync();
    }

    /// <summary>A scope acting for <paramref name="accountId"/> (or for no tenant).</summary>
    public AsyncServiceScope Scope(Guid? accountId = null)
    {
        var scope = Services.CreateAsyncScope();
        if (accountId is { } id)
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(id);
        }

        return scope;
    }

    /// <summary>Raw SQL beside the app, as another instance or an operator with psql would change the data.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var scope = Scope();
        await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Database.ExecuteSqlRawAsync(sql);
    }

    /// <summary>One value read beside the app: the SQL names its one column <c>"Value"</c>.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var scope = Scope();
        return await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Database.SqlQueryRaw<T>(sql).SingleAsync();
    }

    /// <summary>A Guid as a SQL literal the way this provider stores it (SQLite: upper-case text).</summary>
    public string Literal(Guid id) => Provider == DatabaseProvider.Postgres ? $"'{id}'" : $"'{id.ToString().ToUpperInvariant()}'";

    protected abstract Task CreateAsync();

    protected abstract Task DropAsync();
}

public sealed class PostgresDatabase : TestDatabase
{
    private string _name = "";

    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"Set {ServerVariable} to a PostgreSQL server connection string, or run the tests with eng/test.sh, which starts one.");

    protected override async Task CreateAsync()
    {
        _name = "mp_test_" + Guid.NewGuid().ToString("N")[..12];
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE {_name}", admin))
        {
            await create.ExecuteNonQueryAsync();
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = _name, MaxPoolSize = 64 }.ToString();
    }

    protected override async Task DropAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(ServerConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}

public sealed class SqliteDatabase : TestDatabase
{
    private string _folder = "";

    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override Task CreateAsync()
    {
        _folder = Path.Combine(Path.GetTempPath(), "minutepool-tests", Guid.NewGuid().ToString("N"));
        ConnectionString = DatabaseOptions.SqliteFile(_folder);
        return Task.CompletedTask;
    }

    protected override Task DropAsync()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}
