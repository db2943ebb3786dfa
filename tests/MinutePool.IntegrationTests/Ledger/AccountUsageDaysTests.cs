using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Ledger;

/// <summary>
/// An account's cycle balance is read from its days (account_usage_days), which the database keeps as the sum of
/// the account's usage buckets. They must equal their buckets after every kind of write (live ends, single and
/// grouped, imports, a bucket corrected or removed by hand) and after the migration copied existing buckets, or
/// the account balance on every call start would be off.
/// </summary>
public abstract class AccountUsageDaysTests(TestDatabase database) : IAsyncLifetime
{
    private const string PreviousMigration = "20261124000000_RunningCallsIndex";

    private readonly ApiHost _host = new(database);

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("team-6000", 6_000);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task The_days_equal_their_buckets_after_live_calls_imports_and_corrections_and_the_account_balance_reads_them()
    {
        var (account, workspaces) = await AccountWithUsageAsync();
        var other = await _host.AccountAsync("team-6000");
        var othersWorkspace = (await other.CreateWorkspaceAsync()).Id();
        await CallAsync(other, "other-1", othersWorkspace, TimeSpan.FromSeconds(500));

        var days = await DaysAsync();
        days.Should().Equal(await BucketSumsAsync()).And.HaveCountGreaterThan(3, "the calls fell on several days");
        days.Where(d => d.AccountId == account.Id).Sum(d => d.Seconds).Should().Be(await BilledSecondsAsync(account.Id));
        days.Where(d => d.AccountId == other.Id).Sum(d => d.Seconds).Should().Be(500, "each account's days hold its own usage only");
        var balance = await account.GetAsync($"/api/v1/workspaces/{workspaces[0]}/balance");
        balance.GetProperty("scopes")[0].GetProperty("usedSeconds").GetInt64().Should().Be(await BilledSecondsAsync(account.Id));

        // A bucket corrected by hand, and one removed: the days follow (the triggers see updates and deletes too).
        await ExecuteAsync($"UPDATE usage_buckets SET billed_seconds = billed_seconds + 7, calls = calls + 1 WHERE workspace_id = {Literal(workspaces[1])}");
        await ExecuteAsync($"DELETE FROM usage_buckets WHERE workspace_id = {Literal(workspaces[2])}");

        (await DaysAsync()).Should().Equal(await BucketSumsAsync());
    }

    [Fact]
    public async Task Migrating_copies_the_buckets_that_existed_before_into_days()
    {
        await AccountWithUsageAsync();
        var before = await BucketSumsAsync();

        // Back to the schema before the days (their table and triggers dropped), a call charged there, and forward again.
        await MigrateAsync(PreviousMigration);
        await ExecuteAsync("UPDATE usage_buckets SET billed_seconds = billed_seconds + 60, calls = calls + 1 WHERE slot = 0");
        await MigrateAsync(null);

        var after = await BucketSumsAsync();
        after.Should().NotEqual(before, "a bucket changed while there were no days");
        (await DaysAsync()).Should().Equal(after);
    }

    /// <summary>An account with three workspaces, live calls over two days (one ended twice), and an import of past days.</summary>
    private async Task<(AccountClient Account, Guid[] Workspaces)> AccountWithUsageAsync()
    {
        var account = await _host.AccountAsync("team-6000");
        Guid[] workspaces = [(await account.CreateWorkspaceAsync("A")).Id(), (await account.CreateWorkspaceAsync("B")).Id(), (await account.CreateWorkspaceAsync("C")).Id()];
        for (var i = 0; i < 6; i++)
        {
            await CallAsync(account, $"live-{i}", workspaces[i % 3], TimeSpan.FromSeconds(40 + (17 * i)));
        }

        await (await account.EndAsync("live-0")).ShouldBeAsync(200);
        _host.Clock.Advance(TimeSpan.FromDays(1));
        await CallAsync(account, "next-day", workspaces[1], TimeSpan.FromSeconds(95));
        var start = _host.Clock.Now.AddDays(-3);
        var records = Enumerable.Range(0, 8).Select(i => new
        {
            callId = $"import-{i}", workspaceId = workspaces[i % 3], startedAt = start.AddHours(i * 7), endedAt = start.AddHours(i * 7).AddSeconds(31 + (i * 13)),
        }).ToList();
        await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records })).ShouldBeAsync(200);
        await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records })).ShouldBeAsync(200);
        return (account, workspaces);
    }

    private async Task CallAsync(AccountClient account, string callId, Guid workspace, TimeSpan length)
    {
        await (await account.StartAsync(callId, workspace)).ShouldBeAsync(201);
        _host.Clock.Advance(length);
        await (await account.EndAsync(callId)).ShouldBeAsync(200);
    }

    private sealed record Day(Guid AccountId, DateOnly LocalDate, short Slot, long Seconds, long Calls);

    private Task<List<Day>> DaysAsync() => QueryAsync(db => db.AccountUsageDays.IgnoreQueryFilters()
        .Select(d => new Day(d.AccountId, d.LocalDate, d.Slot, d.BilledSeconds, d.Calls)));

    private Task<List<Day>> BucketSumsAsync() => QueryAsync(db => db.UsageBuckets.IgnoreQueryFilters()
        .GroupBy(b => new { b.AccountId, b.LocalDate, b.Slot })
        .Select(g => new Day(g.Key.AccountId, g.Key.LocalDate, g.Key.Slot, g.Sum(b => b.BilledSeconds), g.Sum(b => b.Calls))));

    private async Task<long> BilledSecondsAsync(Guid accountId)
    {
        await using var scope = _host.Database.Scope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        return await db.Calls.IgnoreQueryFilters().Where(c => c.AccountId == accountId).SumAsync(c => c.BillableSeconds ?? 0);
    }

    private async Task<List<Day>> QueryAsync(Func<MinutePoolDbContext, IQueryable<Day>> query)
    {
        await using var scope = _host.Database.Scope();
        var rows = await query(scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>()).ToListAsync();
        // A day emptied (its buckets removed) stays as a zero row, as a bucket emptied would: compare what they hold.
        return [.. rows.Where(d => d.Seconds != 0 || d.Calls != 0).OrderBy(d => d.AccountId).ThenBy(d => d.LocalDate).ThenBy(d => d.Slot)];
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var scope = _host.Database.Scope();
        await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Database.ExecuteSqlRawAsync(sql);
    }

    private async Task MigrateAsync(string? target)
    {
        await using var scope = _host.Database.Scope();
        await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().GetService<IMigrator>().MigrateAsync(target);
    }

    // Guids as each provider stores them (SQLite: upper-case text).
    private string Literal(Guid id) => _host.Database.Provider == Data.Infrastructure.DatabaseProvider.Postgres ? $"'{id}'" : $"'{id.ToString().ToUpperInvariant()}'";
}

public sealed class AccountUsageDaysOnPostgresTests() : AccountUsageDaysTests(new PostgresDatabase { Migrate = false });

public sealed class AccountUsageDaysOnSqliteTests() : AccountUsageDaysTests(new SqliteDatabase { Migrate = false });
