using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Data;
using MinutePool.Data.Accounts;
using MinutePool.Data.Calls;
using MinutePool.Data.Workspaces;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Ledger;

/// <summary>The product's rules through the services and a real database; run on PostgreSQL and on SQLite.</summary>
public abstract class LedgerRulesTests<TDatabase> : IAsyncLifetime
    where TDatabase : TestDatabase, new()
{
    private readonly TDatabase _db = new();

    private DateTimeOffset Now => _db.Clock.Now;

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task An_allocation_over_the_free_minutes_is_refused_with_the_minutes_still_free_and_nothing_is_saved()
    {
        await _db.PlanAsync("p6000", 6_000);
        var account = await _db.AccountAsync("p6000", distribution: true);
        await _db.WorkspaceAsync(account, "Client A", allocation: 4_000);
        var second = await _db.WorkspaceAsync(account, "Client B");

        await using var scope = _db.Scope(account);
        var refused = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().UpdateAsync(
            second.Workspace.Id,
            new WorkspacePatch(default, default, Optional<int?>.Of(2_500), default, default),
            Seed.Actor);

        refused.Error!.Code.Should().Be(ErrorCodes.AllocationExceedsBalance);
        refused.Error.Extensions["remainingAllocatableMinutes"].Should().Be(2_000L);
        (await _db.WorkspaceAsync(account, second.Workspace.Id)).Workspace.AllocationMinutes.Should().BeNull();
        var summary = await _db.SummaryAsync(account);
        summary.AllocatedMinutes.Should().Be(4_000);
        summary.UnallocatedMinutes.Should().Be(2_000);
    }

    [Fact]
    public async Task A_thirty_second_call_costs_nothing_and_a_thirty_one_second_call_costs_thirty_one_seconds()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100");
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        var start = Now.AddMinutes(-10);

        Seed.Ok(await _db.StartAsync(account, "short", workspace, start));
        var shortCall = Seed.Ok(await _db.EndAsync(account, "short", start.AddSeconds(30.9)));
        Seed.Ok(await _db.StartAsync(account, "long", workspace, start));
        var longCall = Seed.Ok(await _db.EndAsync(account, "long", start.AddSeconds(31)));

        shortCall.BillableSeconds.Should().Be(0);
        shortCall.DurationSeconds.Should().Be(30);
        longCall.BillableSeconds.Should().Be(31);
        (await _db.SummaryAsync(account)).Balance.UsedSeconds.Should().Be(31);
    }

    [Fact]
    public async Task Calls_that_run_past_zero_are_charged_in_full_and_the_next_start_is_refused_with_the_empty_scope()
    {
        await _db.PlanAsync("p6000", 6_000);
        var account = await _db.AccountAsync("p6000", distribution: true);
        var workspace = (await _db.WorkspaceAsync(account, allocation: 10)).Workspace.Id;
        await _db.CallAsync(account, workspace, "earlier", Now.AddHours(-2), 9 * 60);

        var first = Seed.Ok(await _db.StartAsync(account, "a", workspace));
        Seed.Ok(await _db.StartAsync(account, "b", workspace));
        first.MaxUsageSeconds.Should().Be(60);
        _db.Clock.Advance(TimeSpan.FromMinutes(5));
        Seed.Ok(await _db.EndAsync(account, "a")).BillableSeconds.Should().Be(300);
        Seed.Ok(await _db.EndAsync(account, "b")).BillableSeconds.Should().Be(300);

        var view = await _db.WorkspaceAsync(account, workspace);
        view.Scope(BalanceScope.Workspace).RemainingSeconds.Should().Be(600 - 540 - 600);
        view.Scope(BalanceScope.Workspace).OverageSeconds.Should().Be(540);
        var refused = await _db.StartAsync(account, "c", workspace);
        refused.Error!.Code.Should().Be(ErrorCodes.MinutesExhausted);
        refused.Error.Extensions["scope"].Should().Be("workspace");
        Seed.Ok(await _db.StartAsync(account, "a", workspace)).Should().Be(first, "a retried start answers as the first one did, even with the minutes now gone");
    }

    [Fact]
    public async Task A_workspace_resetting_on_the_20th_counts_usage_before_and_after_the_20th_separately()
    {
        await _db.PlanAsync("p6000", 6_000);
        var account = await _db.AccountAsync("p6000", "Europe/Berlin", billingDay: 5, distribution: true);
        var workspace = (await _db.WorkspaceAsync(account, allocation: 1_000, resetDay: 20)).Workspace.Id;
        var berlin = AccountTimeZone.Parse("Europe/Berlin");
        await _db.CallAsync(account, workspace, "before", berlin.ToInstant(new DateTime(2026, 11, 19, 23, 59, 59)), 120);
        await _db.CallAsync(account, workspace, "after", berlin.ToInstant(new DateTime(2026, 11, 20, 0, 0, 0)), 180);

        var on19th = await _db.WorkspaceAsync(account, workspace, berlin.ToInstant(new DateTime(2026, 11, 19, 12, 0, 0)));
        var on21st = await _db.WorkspaceAsync(account, workspace, berlin.ToInstant(new DateTime(2026, 11, 21, 12, 0, 0)));

        on19th.UsedSeconds.Should().Be(120);
        on19th.Period.StartDate.Should().Be(new DateOnly(2026, 10, 20));
        on21st.UsedSeconds.Should().Be(180);
        on21st.Period.StartDate.Should().Be(new DateOnly(2026, 11, 20));
        on21st.Scope(BalanceScope.Account).UsedSeconds.Should().Be(300, "both calls fall in the account cycle that started on the 5th");
    }

    [Fact]
    public async Task An_exhausted_account_can_start_a_call_right_after_an_upgrade_and_a_downgrade_waits_for_the_next_cycle()
    {
        await _db.PlanAsync("small", 100);
        await _db.PlanAsync("large", 200);
        var account = await _db.AccountAsync("small");
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        await _db.CallAsync(account, workspace, "big", Now.AddDays(-3), 100 * 60);
        (await _db.StartAsync(account, "refused", workspace)).Error!.Extensions["scope"].Should().Be("account");

        await using (var scope = _db.Scope(account))
        {
            var upgrade = Seed.Ok(await scope.ServiceProvider.GetRequiredService<AccountService>().ChangePlanAsync("large", Seed.Actor));
            upgrade.Timing.Should().Be(PlanChangeTiming.Immediate);
        }

        Seed.Ok(await _db.StartAsync(account, "after-upgrade", workspace));
        var summary = await _db.SummaryAsync(account);
        summary.PlanCode.Should().Be("large");
        summary.Balance.TotalSeconds.Should().Be(200 * 60, "the current cycle gets the new plan's full complement");
        summary.Balance.UsedSeconds.Should().Be(100 * 60, "usage so far stays counted");

        await using (var scope = _db.Scope(account))
        {
            var downgrade = Seed.Ok(await scope.ServiceProvider.GetRequiredService<AccountService>().ChangePlanAsync("small", Seed.Actor));
            downgrade.Timing.Should().Be(PlanChangeTiming.NextCycle);
            downgrade.EffectiveAt.Should().Be(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        }

        summary = await _db.SummaryAsync(account);
        summary.PlanCode.Should().Be("large");
        summary.PendingPlanChange.Should().Be(new PendingPlanChange("small", new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)));
        _db.Clock.Now = new DateTimeOffset(2026, 12, 1, 0, 0, 1, TimeSpan.Zero);
        (await _db.SummaryAsync(account)).PlanCode.Should().Be("small");
    }

    [Fact]
    public async Task A_downgrade_is_refused_while_the_allocations_exceed_the_new_plan()
    {
        await _db.PlanAsync("small", 1_000);
        await _db.PlanAsync("large", 6_000);
        var account = await _db.AccountAsync("large", distribution: true);
        await _db.WorkspaceAsync(account, allocation: 1_500);

        await using var scope = _db.Scope(account);
        var refused = await scope.ServiceProvider.GetRequiredService<AccountService>().ChangePlanAsync("small", Seed.Actor);

        refused.Error!.Code.Should().Be(ErrorCodes.AllocationsExceedPlan);
        (await _db.SummaryAsync(account)).PendingPlanChange.Should().BeNull();
    }

    [Fact]
    public async Task Workspaces_without_an_allocation_share_the_unallocated_pool()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100", distribution: true);
        var allocated = (await _db.WorkspaceAsync(account, "allocated", allocation: 60)).Workspace.Id;
        var first = (await _db.WorkspaceAsync(account, "first")).Workspace.Id;
        var second = (await _db.WorkspaceAsync(account, "second")).Workspace.Id;
        await _db.CallAsync(account, allocated, "x", Now.AddHours(-3), 30 * 60);
        await _db.CallAsync(account, first, "y", Now.AddHours(-2), 25 * 60);

        var pool = (await _db.WorkspaceAsync(account, second)).Scope(BalanceScope.UnallocatedPool);
        pool.TotalSeconds.Should().Be(40 * 60);
        pool.UsedSeconds.Should().Be(25 * 60, "only workspaces without an allocation draw on the pool");

        await _db.CallAsync(account, second, "z", Now.AddHours(-1), 15 * 60);
        var refused = await _db.StartAsync(account, "none-left", first);
        refused.Error!.Extensions["scope"].Should().Be("unallocated_pool");
        Seed.Ok(await _db.StartAsync(account, "allocated-still-fine", allocated));
    }

    [Fact]
    public async Task Turning_distribution_off_keeps_allocations_but_stops_enforcing_them()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100", distribution: true);
        var workspace = (await _db.WorkspaceAsync(account, allocation: 1)).Workspace.Id;
        await _db.CallAsync(account, workspace, "x", Now.AddHours(-1), 120);
        (await _db.StartAsync(account, "refused", workspace)).Error!.Code.Should().Be(ErrorCodes.MinutesExhausted);

        await using (var scope = _db.Scope(account))
        {
            Seed.Ok(await scope.ServiceProvider.GetRequiredService<AccountService>().SetDistributionAsync(false, Seed.Actor));
        }

        Seed.Ok(await _db.StartAsync(account, "allowed", workspace)).MaxUsageSeconds.Should().Be(100 * 60 - 120);
        (await _db.WorkspaceAsync(account, workspace)).Workspace.AllocationMinutes.Should().Be(1);
        (await _db.SummaryAsync(account)).AllocatedMinutes.Should().Be(1);
    }

    [Fact]
    public async Task Starting_ending_and_importing_the_same_call_again_charges_it_once_and_answers_the_same()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100");
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        var start = Now.AddMinutes(-5);

        var first = Seed.Ok(await _db.StartAsync(account, "call-1", workspace, start));
        var again = Seed.Ok(await _db.StartAsync(account, "call-1", workspace, start.AddSeconds(9)));
        var ended = Seed.Ok(await _db.EndAsync(account, "call-1", start.AddSeconds(100)));
        var endedAgain = Seed.Ok(await _db.EndAsync(account, "call-1", start.AddSeconds(200)));
        var import = await _db.ImportAsync(account, new ImportRecord("call-1", workspace, start, start.AddSeconds(300), null));

        again.Should().Be(first);
        endedAgain.Should().Be(ended);
        import.Should().BeEquivalentTo(new { Accepted = 0, Duplicates = 1 });
        (await _db.SummaryAsync(account)).Balance.UsedSeconds.Should().Be(100);
    }

    [Fact]
    public async Task A_batch_import_accepts_good_records_rejects_bad_ones_by_index_and_counts_duplicates()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100");
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        var start = Now.AddDays(-1);

        var result = await _db.ImportAsync(
            account,
            new ImportRecord("ok-1", workspace, start, start.AddSeconds(61), "Matter 7"),
            new ImportRecord("late", workspace, Now.AddDays(-36), Now.AddDays(-36).AddMinutes(1), null),
            new ImportRecord("backwards", workspace, start, start.AddSeconds(-1), null),
            new ImportRecord("future", workspace, Now.AddMinutes(6), Now.AddMinutes(7), null),
            new ImportRecord("ok-1", workspace, start, start.AddSeconds(61), null),
            new ImportRecord("stranger", Guid.NewGuid(), start, start.AddSeconds(61), null),
            new ImportRecord("ok-2", workspace, start, start.AddSeconds(40), null));

        result.Accepted.Should().Be(2);
        result.Duplicates.Should().Be(1);
        result.Rejected.Select(r => (r.Index, r.Code)).Should().Equal(
            (1, ErrorCodes.InvalidTimeRange), (2, ErrorCodes.InvalidTimeRange), (3, ErrorCodes.InvalidTimeRange), (5, ErrorCodes.NotFound));
        (await _db.SummaryAsync(account)).Balance.UsedSeconds.Should().Be(61 + 40);
    }

    [Fact]
    public async Task A_late_record_is_charged_to_the_cycle_it_started_in_even_before_the_account_existed()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100");
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        var lastCycle = new DateTimeOffset(2026, 10, 30, 9, 0, 0, TimeSpan.Zero);

        await _db.CallAsync(account, workspace, "carried-over", lastCycle, 600);

        (await _db.SummaryAsync(account)).Balance.UsedSeconds.Should().Be(0);
        var october = await _db.WorkspaceAsync(account, workspace, lastCycle.AddHours(1));
        october.Scope(BalanceScope.Account).UsedSeconds.Should().Be(600);
        october.Scope(BalanceScope.Account).Period.StartDate.Should().Be(new DateOnly(2026, 10, 1));
    }

    [Fact]
    public async Task Wrong_passcodes_are_refused_and_five_in_a_row_lock_the_user_id_for_fifteen_minutes()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100");
        var credentials = await _db.WorkspaceAsync(account);

        for (var attempt = 1; attempt <= 4; attempt++)
        {
            (await _db.StartWithPasscodeAsync(account, $"bad-{attempt}", credentials.UserId, "000000")).Error!.Code.Should().Be(ErrorCodes.InvalidPasscode);
        }

        (await _db.StartWithPasscodeAsync(account, "bad-5", credentials.UserId, "000000")).Error!.Code.Should().Be(ErrorCodes.PasscodeLocked);
        (await _db.StartWithPasscodeAsync(account, "right-but-locked", credentials.UserId, credentials.Passcode)).Error!.Code.Should().Be(ErrorCodes.PasscodeLocked);

        _db.Clock.Advance(TimeSpan.FromMinutes(16));
        var started = Seed.Ok(await _db.StartWithPasscodeAsync(account, "right", credentials.UserId, credentials.Passcode));
        started.WorkspaceId.Should().Be(credentials.Workspace.Id);
    }

    [Fact]
    public async Task A_user_id_of_another_account_is_refused_like_a_wrong_passcode()
    {
        await _db.PlanAsync("p100", 100);
        var mine = await _db.AccountAsync("p100");
        var theirs = await _db.AccountAsync("p100");
        var foreign = await _db.WorkspaceAsync(theirs);

        var refused = await _db.StartWithPasscodeAsync(mine, "x", foreign.UserId, foreign.Passcode);

        refused.Error!.Code.Should().Be(ErrorCodes.InvalidPasscode);
    }

    [Fact]
    public async Task Another_account_guessing_at_a_user_id_cannot_lock_it()
    {
        await _db.PlanAsync("p100", 100);
        var attacker = await _db.AccountAsync("p100");
        var owner = await _db.AccountAsync("p100");
        var bridge = await _db.WorkspaceAsync(owner);

        for (var attempt = 0; attempt < 10; attempt++)
        {
            (await _db.StartWithPasscodeAsync(attacker, $"guess-{attempt}", bridge.UserId, "000000")).Error!.Code.Should().Be(ErrorCodes.InvalidPasscode);
        }

        Seed.Ok(await _db.StartWithPasscodeAsync(owner, "legit", bridge.UserId, bridge.Passcode));
    }

    [Fact]
    public async Task A_conferencing_sub_account_with_limit_one_refuses_a_second_call_until_the_first_ends()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100");
        var workspace = (await _db.WorkspaceAsync(account, concurrentCallLimit: 1)).Workspace.Id;

        Seed.Ok(await _db.StartAsync(account, "first", workspace));
        (await _db.StartAsync(account, "second", workspace)).Error!.Code.Should().Be(ErrorCodes.ConcurrentCallLimit);
        Seed.Ok(await _db.StartAsync(account, "first", workspace)).CallId.Should().Be("first", "a repeat of an admitted call is not a second call");
        Seed.Ok(await _db.EndAsync(account, "first"));
        Seed.Ok(await _db.StartAsync(account, "second", workspace));
    }

    [Fact]
    public async Task An_archived_workspace_cannot_start_calls_releases_its_allocation_and_keeps_its_history()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100", distribution: true);
        var workspace = (await _db.WorkspaceAsync(account, allocation: 60)).Workspace.Id;
        await _db.CallAsync(account, workspace, "history", Now.AddHours(-1), 600);

        await using (var scope = _db.Scope(account))
        {
            Seed.Ok(await scope.ServiceProvider.GetRequiredService<WorkspaceService>().ArchiveAsync(workspace, Seed.Actor));
        }

        (await _db.StartAsync(account, "x", workspace)).Error!.Code.Should().Be(ErrorCodes.WorkspaceArchived);
        var summary = await _db.SummaryAsync(account);
        summary.AllocatedMinutes.Should().Be(0);
        summary.Balance.UsedSeconds.Should().Be(600);

        // Its history now counts against the unallocated pool, where a workspace without an allocation draws.
        var pooled = (await _db.WorkspaceAsync(account, "pooled")).Workspace.Id;
        await _db.CallAsync(account, pooled, "pooled-call", Now.AddMinutes(-30), 120);
        var pool = (await _db.WorkspaceAsync(account, pooled)).Scope(BalanceScope.UnallocatedPool);
        pool.TotalSeconds.Should().Be(100 * 60);
        pool.UsedSeconds.Should().Be(600 + 120, "an archived workspace holds no allocation");
    }

    [Fact]
    public async Task Every_change_to_distribution_allocation_and_plan_is_in_the_audit_log_with_before_and_after()
    {
        await _db.PlanAsync("p100", 100);
        await _db.PlanAsync("p200", 200);
        var account = await _db.AccountAsync("p100", distribution: true);
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        await using (var scope = _db.Scope(account))
        {
            Seed.Ok(await scope.ServiceProvider.GetRequiredService<WorkspaceService>().UpdateAsync(
                workspace, new WorkspacePatch(default, default, Optional<int?>.Of(30), Optional<int?>.Of(20), default), "user:owner@example.com"));
            Seed.Ok(await scope.ServiceProvider.GetRequiredService<AccountService>().ChangePlanAsync("p200", "user:owner@example.com"));
        }

        await using var read = _db.Scope(account);
        var entries = await read.ServiceProvider.GetRequiredService<MinutePoolDbContext>().AuditEntries.OrderBy(e => e.Id).ToListAsync();
        entries.Select(e => e.Action).Should().Equal("account.created", "account.distribution_changed", "workspace.created", "workspace.updated", "plan.changed");
        var allocation = entries.Single(e => e.Action == "workspace.updated");
        allocation.Actor.Should().Be("user:owner@example.com");
        allocation.Before.Should().Contain("\"allocationMinutes\":null").And.Contain("\"resetDay\":null");
        allocation.After.Should().Contain("\"allocationMinutes\":30").And.Contain("\"resetDay\":20");
        entries.Should().OnlyContain(e => e.At == Now);
    }
}

public sealed class LedgerRulesOnPostgresTests : LedgerRulesTests<PostgresDatabase>;

public sealed class LedgerRulesOnSqliteTests : LedgerRulesTests<SqliteDatabase>;
