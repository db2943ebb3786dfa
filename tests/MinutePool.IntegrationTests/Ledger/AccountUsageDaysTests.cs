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
/// the account's usage buckets, and a distributing account's unallocated pool from their pool part (the buckets of
/// workspaces without an allocation, or archived). They must equal their buckets after every kind of write (live
/// ends, single and grouped, imports, a bucket corrected or removed by hand), after a workspace gains or loses its
/// allocation or is archived, and after the migrations copied existing buckets, or the balances on every call start
/// would be off.
/// </summary>
public abstract class AccountUsageDaysTests(TestDatabase database) : IAsyncLifetime
{
    private const string PreviousMigration = "20261124000000_RunningCallsIndex";

    /// <summary>The day the test clock starts on (see TestDatabase.Clock).</summary>
    protected const string FirstDay = "2026-11-22";

    protected readonly ApiHost _host = new(database);

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
        await ShouldReadPoolAndAccountAsync(account, workspaces[2], pooled: [workspaces[1], workspaces[2]]);

        // A bucket corrected by hand, and one removed: the days follow (the triggers see updates and deletes too).
        await ExecuteAsync($"UPDATE usage_buckets SET billed_seconds = billed_seconds + 7, calls = calls + 1 WHERE workspace_id = {Literal(workspaces[1])}");
        await ExecuteAsync($"DELETE FROM usage_buckets WHERE workspace_id = {Literal(workspaces[2])}");

        (await DaysAsync()).Should().Equal(await BucketSumsAsync());
    }

    [Fact]
    public async Task A_workspace_that_gains_or_loses_its_allocation_or_is_archived_moves_its_history_between_the_pool_and_the_allocations()
    {
        var (account, workspaces) = await AccountWithUsageAsync();
        var (a, b, c) = (workspaces[0], workspaces[1], workspaces[2]);

        await (await account.Http.PatchAsJsonAsync($"/api/v1/workspaces/{b}", new { allocationMinutes = 200 })).ShouldBeAsync(200);
        (await DaysAsync()).Should().Equal(await BucketSumsAsync());
        await ShouldReadPoolAndAccountAsync(account, c, pooled: [c]);

        await (await account.Http.PatchAsJsonAsync($"/api/v1/workspaces/{a}", new { allocationMinutes = (int?)null })).ShouldBeAsync(200);
        await (await account.Http.PatchAsJsonAsync($"/api/v1/workspaces/{b}", new { allocationMinutes = 300 })).ShouldBeAsync(200);
        (await DaysAsync()).Should().Equal(await BucketSumsAsync(), "a change of an allocation's size moves nothing");
        await ShouldReadPoolAndAccountAsync(account, c, pooled: [a, c]);

        await (await account.Http.PostAsync($"/api/v1/workspaces/{b}/archive", null)).ShouldBeAsync(200);
        (await DaysAsync()).Should().Equal(await BucketSumsAsync());
        await ShouldReadPoolAndAccountAsync(account, a, pooled: [a, b, c]);
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
        (await DaysAsync()).Where(d => d.Pool != 0).Should().NotBeEmpty("the copy fills the pool part too");

        var after = await BucketSumsAsync();
        after.Should().NotEqual(before, "a bucket changed while there were no days");
        (await DaysAsync()).Should().Equal(after);
    }

    /// <summary>
    /// A distributing account with three workspaces (A holds an allocation, B and C draw on the pool), live calls over
    /// two days (one ended twice), and an import of past days.
    /// </summary>
    protected async Task<(AccountClient Account, Guid[] Workspaces)> AccountWithUsageAsync()
    {
        var account = await _host.AccountAsync("team-6000", distribution: true);
        Guid[] workspaces = [(await account.CreateWorkspaceAsync("A", allocationMinutes: 1_000)).Id(), (await account.CreateWorkspaceAsync("B")).Id(), (await account.CreateWorkspaceAsync("C")).Id()];
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

    /// <summary>The balance of <paramref name="workspace"/> (of the pool) reads the calls of the pooled workspaces and of the whole account.</summary>
    private async Task ShouldReadPoolAndAccountAsync(AccountClient account, Guid workspace, Guid[] pooled)
    {
        var scopes = (await account.GetAsync($"/api/v1/workspaces/{workspace}/balance")).GetProperty("scopes");
        scopes[0].GetProperty("scope").GetString().Should().Be("unallocated_pool");
        scopes[0].GetProperty("usedSeconds").GetInt64().Should().Be(await BilledSecondsAsync(account.Id, pooled));
        scopes[1].GetProperty("usedSeconds").GetInt64().Should().Be(await BilledSecondsAsync(account.Id));
    }

    protected sealed record Day(Guid AccountId, DateOnly LocalDate, short Slot, long Seconds, long Calls, long Pool);

    protected Task<List<Day>> DaysAsync() => QueryAsync(db => db.AccountUsageDays.IgnoreQueryFilters()
        .Select(d => new Day(d.AccountId, d.LocalDate, d.Slot, d.BilledSeconds, d.Calls, d.PoolBilledSeconds)));

    /// <summary>What the days must hold: the buckets summed, the pool part by their workspaces as they are now.</summary>
    protected Task<List<Day>> BucketSumsAsync() => QueryAsync(db =>
        from b in db.UsageBuckets.IgnoreQueryFilters()
        join w in db.Workspaces.IgnoreQueryFilters() on new { b.AccountId, Id = b.WorkspaceId } equals new { w.AccountId, w.Id }
        group new { b.BilledSeconds, b.Calls, InPool = w.AllocationMinutes == null || w.ArchivedAt != null } by new { b.AccountId, b.LocalDate, b.Slot } into g
        select new Day(g.Key.AccountId, g.Key.LocalDate, g.Key.Slot, g.Sum(x => x.BilledSeconds), g.Sum(x => x.Calls), g.Sum(x => x.InPool ? x.BilledSeconds : 0)));

    private async Task<long> BilledSecondsAsync(Guid accountId, Guid[]? workspaces = null)
    {
        await using var scope = _host.Database.Scope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        return await db.Calls.IgnoreQueryFilters().Where(c => c.AccountId == accountId && (workspaces == null || workspaces.Contains(c.WorkspaceId)))
            .SumAsync(c => c.BillableSeconds ?? 0);
    }

    private async Task<List<Day>> QueryAsync(Func<MinutePoolDbContext, IQueryable<Day>> query)
    {
        await using var scope = _host.Database.Scope();
        var rows = await query(scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>()).ToListAsync();
        // A day emptied (its buckets removed) stays as a zero row, as a bucket emptied would: compare what they hold.
        return [.. rows.Where(d => d.Seconds != 0 || d.Calls != 0 || d.Pool != 0).OrderBy(d => d.AccountId).ThenBy(d => d.LocalDate).ThenBy(d => d.Slot)];
    }

    protected Task ExecuteAsync(string sql) => _host.Database.ExecuteAsync(sql);

    private async Task MigrateAsync(string? target)
    {
        await using var scope = _host.Database.Scope();
        await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().GetService<IMigrator>().MigrateAsync(target);
    }

    protected string Literal(Guid id) => _host.Database.Literal(id);
}

public sealed class AccountUsageDaysOnPostgresTests() : AccountUsageDaysTests(new PostgresDatabase { Migrate = false })
{
    /// <summary>
    /// A bucket written while its workspace gains or loses its allocation must land on the side the allocation says
    /// once both commit, whichever went first: the move waits for a writer that classified by the old allocation, and
    /// a writer waits for a move in flight and classifies by the new one (PostgreSQL; SQLite has one writer at a time).
    /// </summary>
    [Fact]
    public async Task A_bucket_written_while_its_workspace_gains_or_loses_its_allocation_lands_on_the_side_the_allocation_says()
    {
        var (account, workspaces) = await AccountWithUsageAsync();
        var workspace = workspaces[1];
        var write = $"""
            INSERT INTO usage_buckets (account_id, workspace_id, local_date, slot, billed_seconds, calls)
            VALUES ('{account.Id}', '{workspace}', '{FirstDay}', 0, 60, 1) {Data.Billing.UsageWriter.AddOnConflict}
            """;
        await using var writer = await OpenAsync();
        await using var owner = await OpenAsync();

        await using (var inFlight = await writer.BeginTransactionAsync())
        {
            await RunAsync(writer, write);
            var move = RunAsync(owner, $"UPDATE workspaces SET allocation_minutes = 50 WHERE id = '{workspace}'");
            (await WaitsAsync(move)).Should().BeTrue("the move waits for the writer that read the workspace without an allocation");
            await inFlight.CommitAsync();
            await move;
        }

        (await DaysAsync()).Should().Equal(await BucketSumsAsync());

        await using (var inFlight = await owner.BeginTransactionAsync())
        {
            await RunAsync(owner, $"UPDATE workspaces SET allocation_minutes = NULL WHERE id = '{workspace}'");
            var written = RunAsync(writer, write);
            (await WaitsAsync(written)).Should().BeTrue("the writer waits for the move and then reads the allocation it left");
            await inFlight.CommitAsync();
            await written;
        }

        (await DaysAsync()).Should().Equal(await BucketSumsAsync());
    }

    private async Task<Npgsql.NpgsqlConnection> OpenAsync()
    {
        var connection = new Npgsql.NpgsqlConnection(_host.Database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task RunAsync(Npgsql.NpgsqlConnection connection, string sql)
    {
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Whether the statement is still waiting after a while (a lock), where it would take milliseconds.</summary>
    private static async Task<bool> WaitsAsync(Task statement) => await Task.WhenAny(statement, Task.Delay(TimeSpan.FromMilliseconds(500))) != statement;
}

public sealed class AccountUsageDaysOnSqliteTests() : AccountUsageDaysTests(new SqliteDatabase { Migrate = false });
