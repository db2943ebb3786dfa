using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MinutePool.Data;
using MinutePool.Data.Infrastructure;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Schema;

/// <summary>
/// The migrations are hand-written, so this is what keeps them honest: migrating an empty database must
/// give exactly the schema that the EF model itself creates (tables, columns, types, nullability, keys,
/// foreign keys, indexes).
/// </summary>
public abstract class SchemaMatchesModelTests<TDatabase> : IAsyncLifetime
    where TDatabase : TestDatabase, new()
{
    private readonly TDatabase _migrated = new();
    private readonly TDatabase _created = new() { Migrate = false };

    public async Task InitializeAsync()
    {
        await _migrated.InitializeAsync();
        await _created.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _migrated.DisposeAsync();
        await _created.DisposeAsync();
    }

    [Fact]
    public async Task Migrating_an_empty_database_yields_exactly_the_schema_of_the_model()
    {
        await using var createdScope = _created.Scope();
        var created = createdScope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        (await created.Database.EnsureCreatedAsync()).Should().BeTrue();
        await using var migratedScope = _migrated.Scope();
        var migrated = migratedScope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();

        var fromModel = await SchemaSnapshot.ReadAsync(created);
        var fromMigrations = await SchemaSnapshot.ReadAsync(migrated);

        fromModel.Should().Contain(line => line.Contains("usage_buckets", StringComparison.Ordinal), "the snapshot must actually read the schema");
        fromMigrations.Should().Equal(fromModel);
    }

    [Fact]
    public async Task Migrating_again_applies_nothing_and_the_database_is_ready()
    {
        await using var scope = _migrated.Scope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();

        await DatabaseMigrator.MigrateAsync(db, NullLogger.Instance);

        (await db.Database.GetPendingMigrationsAsync()).Should().BeEmpty();
        (await db.Database.GetAppliedMigrationsAsync()).Should().NotBeEmpty();
        (await DatabaseMigrator.IsReadyAsync(db)).Should().BeTrue();
    }

    [Fact]
    public async Task Two_instances_migrating_an_empty_database_at_once_both_succeed_and_apply_each_migration_once()
    {
        var migrations = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            await using var scope = _created.Scope();
            await DatabaseMigrator.MigrateAsync(scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>(), NullLogger.Instance);
        }));

        await Task.WhenAll(migrations);

        await using var check = _created.Scope();
        var db = check.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        var applied = (await db.Database.GetAppliedMigrationsAsync()).ToList();
        applied.Should().OnlyHaveUniqueItems().And.Equal(db.Database.GetMigrations());
        (await db.Plans.CountAsync()).Should().Be(0);
    }
}

public sealed class SchemaMatchesModelOnPostgresTests : SchemaMatchesModelTests<PostgresDatabase>;

public sealed class SchemaMatchesModelOnSqliteTests : SchemaMatchesModelTests<SqliteDatabase>;
