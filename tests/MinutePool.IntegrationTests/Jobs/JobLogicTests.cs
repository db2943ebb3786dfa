using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Billing;
using MinutePool.Data;
using MinutePool.Data.Billing;
using MinutePool.Data.Calls;
using MinutePool.Data.Notifications;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Jobs;

/// <summary>The scheduled jobs' work, driven by a fake clock: late, repeated and after downtime.</summary>
public abstract class JobLogicTests<TDatabase> : IAsyncLifetime
    where TDatabase : TestDatabase, new()
{
    private static readonly DateTimeOffset Created = new(2026, 11, 22, 15, 0, 0, TimeSpan.Zero);

    private readonly TDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Statements_are_written_once_per_ended_period_when_the_job_runs_late_twice_or_after_two_months_of_downtime()
    {
        await _db.PlanAsync("p1000", 1_000);
        var account = await _db.AccountAsync("p1000", billingDay: 1, distribution: true);
        var workspace = (await _db.WorkspaceAsync(account, allocation: 100, resetDay: 20)).Workspace.Id;
        await _db.CallAsync(account, workspace, "nov-21", new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero), 600);

        (await CloseAsync(account)).Should().Be(new CloseResult(0, 0), "no period has ended yet");

        _db.Clock.Now = new DateTimeOffset(2026, 12, 1, 0, 0, 5, TimeSpan.Zero);
        (await CloseAsync(account)).Should().Be(new CloseResult(1, 0), "the November cycle ended five seconds ago");
        (await CloseAsync(account)).Should().Be(new CloseResult(0, 0), "running twice writes nothing twice");

        _db.Clock.Now = new DateTimeOffset(2027, 2, 10, 12, 0, 0, TimeSpan.Zero);
        (await CloseAsync(account)).Should().Be(new CloseResult(4, 0), "two cycles and two workspace periods ended during the downtime");
        (await CloseAsync(account)).Should().Be(new CloseResult(0, 0));

        var all = await StatementsAsync(account);
        var statements = all.Where(s => s.Scope != StatementScope.CycleLine).ToList();
        statements.Select(s => (s.Scope, s.StartDate, s.Revision)).Should().BeEquivalentTo(new[]
        {
            (StatementScope.Account, new DateOnly(2026, 11, 1), 1),
            (StatementScope.Account, new DateOnly(2026, 12, 1), 1),
            (StatementScope.Account, new DateOnly(2027, 1, 1), 1),
            (StatementScope.Workspace, new DateOnly(2026, 11, 20), 1),
            (StatementScope.Workspace, new DateOnly(2026, 12, 20), 1),
        });
        var november = statements.Single(s => s.Scope == StatementScope.Account && s.StartDate == new DateOnly(2026, 11, 1));
        november.Should().BeEquivalentTo(new { UsedSeconds = 600L, Calls = 1L, AllocatedSeconds = 60_000L, OverageSeconds = 0L, CostShareAmount = 100.00m, PlanCode = "p1000" });
        all.Where(s => s.Scope == StatementScope.CycleLine).GroupBy(s => s.StartDate)
            .Should().HaveCount(3).And.OnlyContain(g => g.Sum(l => l.CostShareAmount) == 100.00m || g.All(l => l.UsedSeconds == 0));
        all.Single(s => s.Scope == StatementScope.CycleLine && s.StartDate == new DateOnly(2026, 11, 1))
            .Should().BeEquivalentTo(new { SubjectId = workspace, UsedSeconds = 600L, Calls = 1L, CostShareAmount = 100.00m, AllocatedSeconds = 6_000L });
        var wsPeriod = statements.Single(s => s.Scope == StatementScope.Workspace && s.StartDate == new DateOnly(2026, 11, 20));
        wsPeriod.Should().BeEquivalentTo(new { UsedSeconds = 600L, AllocatedSeconds = 6_000L, CostShareAmount = 100.00m, EndDate = new DateOnly(2026, 12, 20) });
    }

    [Fact]
    public async Task Eight_closing_runs_at_once_write_each_statement_once_and_none_fails()
    {
        await _db.PlanAsync("p1000", 1_000);
        var account = await _db.AccountAsync("p1000", billingDay: 1, distribution: true);
        for (var i = 0; i < 5; i++)
        {
            var workspace = (await _db.WorkspaceAsync(account, allocation: 100, resetDay: 20)).Workspace.Id;
            await _db.CallAsync(account, workspace, $"nov-{i}", new DateTimeOffset(2026, 11, 21, 10, i, 0, TimeSpan.Zero), 60 * (i + 1));
        }

        _db.Clock.Now = new DateTimeOffset(2027, 2, 10, 12, 0, 0, TimeSpan.Zero);
        var runs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => CloseAsync(account))));

        runs.Sum(r => r.Statements).Should().Be(3 + 5 * 2, "three cycles and two periods of each of five workspaces ended, whichever run wrote them");
        var all = await StatementsAsync(account);
        all.Select(s => (s.Scope, s.SubjectId, s.StartDate, s.Revision)).Should().OnlyHaveUniqueItems();
        all.Count(s => s.Scope != StatementScope.CycleLine).Should().Be(13);
        all.Where(s => s.Scope == StatementScope.CycleLine).Sum(s => s.UsedSeconds).Should().Be(60 + 120 + 180 + 240 + 300);
    }

    [Fact]
    public async Task A_late_record_for_a_closed_cycle_produces_an_amendment_and_leaves_the_original_untouched()
    {
        await _db.PlanAsync("p1000", 1_000);
        var account = await _db.AccountAsync("p1000", billingDay: 1);
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        await _db.CallAsync(account, workspace, "first", new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.Zero), 600);
        _db.Clock.Now = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
        (await CloseAsync(account)).Statements.Should().Be(2);

        await _db.CallAsync(account, workspace, "late", new DateTimeOffset(2026, 11, 30, 23, 0, 0, TimeSpan.Zero), 120);
        (await CloseAsync(account)).Should().Be(new CloseResult(0, 2), "the account cycle and the workspace period (reset on the billing day) both changed");
        (await CloseAsync(account)).Should().Be(new CloseResult(0, 0));

        var revisions = (await StatementsAsync(account)).Where(s => s.Scope == StatementScope.Account).OrderBy(s => s.Revision).ToList();
        revisions.Select(s => (s.Revision, s.UsedSeconds, s.Calls)).Should().Equal((1, 600L, 1L), (2, 720L, 2L));
    }

    [Fact]
    public async Task A_threshold_is_notified_once_per_crossing_and_a_reset_notice_follows_the_new_period()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100", billingDay: 1, distribution: true);
        var workspace = (await _db.WorkspaceAsync(account, "Sales", allocation: 10, resetDay: 25)).Workspace.Id;

        await _db.CallAsync(account, workspace, "a", Created.AddHours(-2), 8 * 60);
        (await CheckAsync(account)).Should().Be(1);
        (await CheckAsync(account)).Should().Be(0, "a crossing is notified once");
        await _db.CallAsync(account, workspace, "b", Created.AddHours(-1), 2 * 60);
        (await CheckAsync(account)).Should().Be(1);

        _db.Clock.Now = new DateTimeOffset(2026, 11, 25, 0, 0, 1, TimeSpan.Zero);
        (await CheckAsync(account)).Should().Be(1, "the workspace's period reset on the 25th");
        (await CheckAsync(account)).Should().Be(0);

        var notices = await NoticesAsync(account);
        notices.Select(n => n.Kind).Should().Equal("threshold.crossed", "threshold.crossed", "minutes.reset");
        notices.Select(n => n.DedupKey).Should().Equal(
            $"threshold:80:workspace:{workspace}:2026-10-25",
            $"threshold:100:workspace:{workspace}:2026-10-25",
            $"reset:workspace:{workspace}:2026-11-25");
        notices[0].Title.Should().Be("Workspace Sales has used 80 % of its minutes");
    }

    [Fact]
    public async Task An_account_with_its_own_thresholds_is_notified_at_those_and_bad_input_changes_nothing()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100");
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        await using (var scope = _db.Scope(account))
        {
            var accounts = scope.ServiceProvider.GetRequiredService<MinutePool.Data.Accounts.AccountService>();
            (await accounts.SetThresholdsAsync("50, 0", "test")).Error!.Field.Should().Be("thresholdPercents");
            Seed.Ok(await accounts.SetThresholdsAsync("90, 50%", "test")).Should().Equal(50, 90);
        }

        await _db.CallAsync(account, workspace, "half", Created.AddHours(-1), 55 * 60);

        (await CheckAsync(account)).Should().Be(1);
        (await NoticesAsync(account)).Single().DedupKey.Should().StartWith("threshold:50:account:");
    }

    [Fact]
    public async Task A_stale_call_is_ended_at_its_last_heartbeat_and_charged_once()
    {
        await _db.PlanAsync("p1000", 1_000);
        var account = await _db.AccountAsync("p1000");
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        Seed.Ok(await _db.StartAsync(account, "forgotten", workspace));
        _db.Clock.Advance(TimeSpan.FromHours(1));
        await using (var scope = _db.Scope(account))
        {
            (await scope.ServiceProvider.GetRequiredService<CallLedger>().HeartbeatAsync("forgotten")).Should().BeNull();
        }

        _db.Clock.Advance(TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1));
        (await ReapAsync(account)).Should().Be(0, "four hours without news have not passed yet");
        _db.Clock.Advance(TimeSpan.FromSeconds(2));
        (await ReapAsync(account)).Should().Be(1);
        (await ReapAsync(account)).Should().Be(0);

        var ended = Seed.Ok(await _db.EndAsync(account, "forgotten"));
        ended.EndedAt.Should().Be(Created.AddHours(1));
        ended.BillableSeconds.Should().Be(3_600);
        (await _db.SummaryAsync(account)).Balance.UsedSeconds.Should().Be(3_600);
        (await NoticesAsync(account)).Should().ContainSingle(n => n.Kind == "call.reaped");
    }

    private async Task<CloseResult> CloseAsync(Guid account)
    {
        await using var scope = _db.Scope(account);
        return await scope.ServiceProvider.GetRequiredService<StatementCloser>().CloseAsync();
    }

    private async Task<int> CheckAsync(Guid account)
    {
        await using var scope = _db.Scope(account);
        return await scope.ServiceProvider.GetRequiredService<ThresholdWatcher>().CheckAsync();
    }

    private async Task<int> ReapAsync(Guid account)
    {
        await using var scope = _db.Scope(account);
        return await scope.ServiceProvider.GetRequiredService<StaleCallReaper>().ReapAsync();
    }

    private async Task<List<Statement>> StatementsAsync(Guid account)
    {
        await using var scope = _db.Scope(account);
        return await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Statements.ToListAsync();
    }

    private async Task<List<MinutePool.Core.Notifications.Notification>> NoticesAsync(Guid account)
    {
        await using var scope = _db.Scope(account);
        return await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Notifications.OrderBy(n => n.CreatedAt).ThenBy(n => n.Id).ToListAsync();
    }
}

public sealed class JobLogicOnPostgresTests : JobLogicTests<PostgresDatabase>;

public sealed class JobLogicOnSqliteTests : JobLogicTests<SqliteDatabase>;
