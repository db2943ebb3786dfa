using FluentAssertions;
using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Billing;

/// <summary>DESIGN.md, "One pool, or minutes distributed to workspaces": which balances apply to a workspace.</summary>
public sealed class BalanceRulesTests
{
    // Account in Berlin, billing day 5: at Now the cycle is 2027-06-05 → 2027-07-05 local.
    private static readonly DateTimeOffset CycleStart = Utc(2027, 6, 4, 22);
    private static readonly DateTimeOffset CycleEnd = Utc(2027, 7, 4, 22);

    private static Core.Accounts.Account BerlinAccount(bool distribution) => Account("Europe/Berlin", billingDay: 5, distributionEnabled: distribution);

    [Fact]
    public void With_distribution_off_only_the_account_scope_applies_even_to_a_workspace_with_an_allocation()
    {
        var account = BerlinAccount(distribution: false);
        var state = State(account, Plan("team-6000", 6000), allocatedMinutes: 1000);
        var workspace = Workspace(account, allocationMinutes: 1000, resetDay: 20);

        var scopes = BalanceRules.ScopesFor(state, workspace, Now);

        scopes.Should().ContainSingle();
        var scope = scopes[0];
        scope.Scope.Should().Be(BalanceScope.Account);
        scope.Period.Start.Should().Be(CycleStart);
        scope.Period.End.Should().Be(CycleEnd);
        scope.TotalSeconds.Should().Be(360_000);
        scope.Usage.Should().Be(UsageSelector.Account);
        scope.WorkspaceId.Should().BeNull();
        BalanceRules.HoldsAllocation(workspace, distributionEnabled: false).Should().BeFalse();
    }

    [Fact]
    public void With_distribution_on_a_workspace_with_an_allocation_gets_its_own_period_then_the_account()
    {
        var account = BerlinAccount(distribution: true);
        var state = State(account, Plan("team-6000", 6000), allocatedMinutes: 4000);
        var workspace = Workspace(account, allocationMinutes: 1000, resetDay: 20);

        var scopes = BalanceRules.ScopesFor(state, workspace, Now);

        scopes.Select(s => s.Scope).Should().Equal(BalanceScope.Workspace, BalanceScope.Account);
        var own = scopes[0];
        own.Period.StartDate.Should().Be(new DateOnly(2027, 5, 20));
        own.Period.EndDate.Should().Be(new DateOnly(2027, 6, 20));
        own.Period.Start.Should().Be(Utc(2027, 5, 19, 22)); // local midnight in Berlin
        own.TotalSeconds.Should().Be(60_000);
        own.Usage.Should().Be(UsageSelector.Workspace);
        own.WorkspaceId.Should().Be(workspace.Id);
        scopes[1].Period.Start.Should().Be(CycleStart);
        scopes[1].TotalSeconds.Should().Be(360_000);
    }

    [Fact]
    public void A_workspace_without_its_own_reset_day_follows_the_billing_day()
    {
        var account = BerlinAccount(distribution: true);
        var state = State(account, Plan("team-6000", 6000), allocatedMinutes: 1000);
        var workspace = Workspace(account, allocationMinutes: 1000, resetDay: null);

        var scopes = BalanceRules.ScopesFor(state, workspace, Now);

        scopes[0].Scope.Should().Be(BalanceScope.Workspace);
        scopes[0].Period.Should().Be(scopes[1].Period);
        workspace.EffectiveResetDay(5).Should().Be(5);
    }

    [Fact]
    public void With_distribution_on_a_workspace_without_an_allocation_draws_on_the_unallocated_pool()
    {
        var account = BerlinAccount(distribution: true);
        var state = State(account, Plan("team-6000", 6000), allocatedMinutes: 4000);
        var workspace = Workspace(account, allocationMinutes: null);

        var scopes = BalanceRules.ScopesFor(state, workspace, Now);

        scopes.Select(s => s.Scope).Should().Equal(BalanceScope.UnallocatedPool, BalanceScope.Account);
        var pool = scopes[0];
        pool.TotalSeconds.Should().Be((6000 - 4000) * 60);
        pool.Period.Start.Should().Be(CycleStart);
        pool.Period.End.Should().Be(CycleEnd);
        pool.Usage.Should().Be(UsageSelector.WorkspacesWithoutAllocation);
        pool.WorkspaceId.Should().BeNull();
        state.UnallocatedMinutes(pool.Period).Should().Be(2000);
    }

    [Fact]
    public void An_archived_workspace_does_not_hold_its_allocation()
    {
        var account = BerlinAccount(distribution: true);
        var state = State(account, Plan("team-6000", 6000), allocatedMinutes: 0);
        var workspace = Workspace(account, allocationMinutes: 1000, resetDay: 20);
        workspace.ArchivedAt = Utc(2027, 6, 1);

        BalanceRules.HoldsAllocation(workspace, distributionEnabled: true).Should().BeFalse();
        var scopes = BalanceRules.ScopesFor(state, workspace, Now);
        scopes.Select(s => s.Scope).Should().Equal(BalanceScope.UnallocatedPool, BalanceScope.Account);
        scopes[0].TotalSeconds.Should().Be(360_000);
    }

    [Theory]
    [InlineData(true, false, 1000, true)]
    [InlineData(true, false, 0, true)]
    [InlineData(true, false, null, false)]
    [InlineData(true, true, 1000, false)]
    [InlineData(false, false, 1000, false)]
    public void Holds_allocation(bool distributionEnabled, bool archived, int? allocationMinutes, bool expected)
    {
        var workspace = Workspace(Account(), allocationMinutes);
        if (archived)
        {
            workspace.ArchivedAt = AccountCreated;
        }

        BalanceRules.HoldsAllocation(workspace, distributionEnabled).Should().Be(expected);
    }

    [Fact]
    public void The_unallocated_pool_never_goes_below_zero_when_allocations_exceed_the_plan()
    {
        var account = BerlinAccount(distribution: true);
        var state = State(account, Plan("team-6000", 6000), allocatedMinutes: 7000);

        var scopes = BalanceRules.ScopesFor(state, Workspace(account), Now);

        scopes[0].Scope.Should().Be(BalanceScope.UnallocatedPool);
        scopes[0].TotalSeconds.Should().Be(0);
    }

    [Fact]
    public void An_upgrade_mid_cycle_gives_the_account_and_pool_the_new_total_for_the_whole_cycle()
    {
        var account = BerlinAccount(distribution: true);
        var schedule = new PlanSchedule([(AccountCreated, Plan("team-3000", 3000)), (Now, Plan("team-6000", 6000))]);
        var state = new AccountState(account, schedule, AllocatedMinutes: 1000);
        var earlierInCycle = Utc(2027, 6, 5, 1);

        BalanceRules.AccountScope(state, earlierInCycle).TotalSeconds.Should().Be(360_000);
        BalanceRules.ScopesFor(state, Workspace(account), earlierInCycle)[0].TotalSeconds.Should().Be(5000 * 60);

        var previousCycle = Utc(2027, 6, 1);
        BalanceRules.AccountScope(state, previousCycle).TotalSeconds.Should().Be(180_000);
        BalanceRules.ScopesFor(state, Workspace(account), previousCycle)[0].TotalSeconds.Should().Be(2000 * 60);
    }

    [Fact]
    public void A_call_one_second_before_the_reset_is_charged_to_the_old_period_and_at_the_reset_to_the_new_one()
    {
        var account = BerlinAccount(distribution: true);
        var state = State(account, Plan("team-6000", 6000), allocatedMinutes: 1000);
        var workspace = Workspace(account, allocationMinutes: 1000, resetDay: 20);
        var reset = Utc(2027, 6, 19, 22); // 2027-06-20 00:00 in Berlin

        var before = BalanceRules.ScopesFor(state, workspace, reset.AddSeconds(-1))[0].Period;
        var at = BalanceRules.ScopesFor(state, workspace, reset)[0].Period;

        before.StartDate.Should().Be(new DateOnly(2027, 5, 20));
        before.End.Should().Be(reset);
        at.StartDate.Should().Be(new DateOnly(2027, 6, 20));
        at.Start.Should().Be(reset);
    }

    [Fact]
    public void Scope_balance_reports_remaining_and_overage()
    {
        var period = Calendar("UTC", 1).PeriodContaining(Now);

        var positive = new ScopeBalance(BalanceScope.Workspace, period, 600, 540);
        var zero = new ScopeBalance(BalanceScope.Workspace, period, 600, 600);
        var negative = new ScopeBalance(BalanceScope.Workspace, period, 600, 840);

        positive.RemainingSeconds.Should().Be(60);
        positive.OverageSeconds.Should().Be(0);
        positive.IsExhausted.Should().BeFalse();
        zero.RemainingSeconds.Should().Be(0);
        zero.OverageSeconds.Should().Be(0);
        zero.IsExhausted.Should().BeTrue();
        negative.RemainingSeconds.Should().Be(-240);
        negative.OverageSeconds.Should().Be(240);
        negative.IsExhausted.Should().BeTrue();
    }

    [Fact]
    public void Remaining_is_the_smallest_balance()
    {
        var period = Calendar("UTC", 1).PeriodContaining(Now);

        BalanceRules.Remaining(
        [
            new ScopeBalance(BalanceScope.Workspace, period, 60_000, 59_000),
            new ScopeBalance(BalanceScope.Account, period, 360_000, 100_000),
        ]).Should().Be(1_000);
        BalanceRules.Remaining(
        [
            new ScopeBalance(BalanceScope.UnallocatedPool, period, 120_000, 0),
            new ScopeBalance(BalanceScope.Account, period, 360_000, 359_500),
        ]).Should().Be(500);
    }
}
