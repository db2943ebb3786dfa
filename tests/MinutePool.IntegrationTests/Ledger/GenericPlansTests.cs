using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data;
using MinutePool.Data.Accounts;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Ledger;

/// <summary>
/// The app's PostgreSQL connections plan a prepared statement once and reuse the plan: left to choose, PostgreSQL
/// replanned the API key's query on every execution whenever statistics made its generic plan look dearer, and the
/// planning cost four times the query (see DatabaseOptions.Tuned). PostgreSQL only.
/// </summary>
public sealed class GenericPlansTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task The_API_keys_query_is_planned_once_per_connection_however_often_it_runs()
    {
        await using var scope = _db.Scope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        await db.Database.OpenConnectionAsync();
        for (var i = 0; i < 12; i++)
        {
            await AccountStateReader.LoadWithKeyAsync(db, $"nokey{i}", Guid.NewGuid(), null);
            await AccountStateReader.LoadWithKeyAsync(db, $"nokey{i}", null, $"call-{i}");
        }

        var plans = await db.Database.SqlQueryRaw<PlanCounts>(
            "SELECT generic_plans AS \"Generic\", custom_plans AS \"Custom\" FROM pg_prepared_statements WHERE statement LIKE '%FROM api_keys AS a%'")
            .ToListAsync();

        plans.Should().HaveCount(2, "the key's query with a workspace (call start, balance read) and with a call (end) are prepared on this connection");
        plans.Should().OnlyContain(p => p.Custom == 0, "no execution was planned for its parameter values");
        plans.Should().OnlyContain(p => p.Generic > 0);
        (await db.Database.SqlQueryRaw<string>("SELECT current_setting('plan_cache_mode') AS \"Value\"").SingleAsync()).Should().Be("force_generic_plan");
    }

    private sealed record PlanCounts(long Generic, long Custom);
}
