using FluentAssertions;
using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Core.Common;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Calls;

/// <summary>DESIGN.md, "Running out" and "Sub-accounts": may a call start?</summary>
public sealed class CallStartPolicyTests
{
    private static readonly Period Cycle = Calendar("UTC", 1).PeriodContaining(Now);

    [Fact]
    public void A_call_that_ran_past_zero_leaves_a_negative_balance_and_further_starts_are_refused_for_the_workspace()
    {
        // Distribution on; the workspace holds 10 minutes of a 6,000-minute plan and has used 9 of them.
        var account = Account("Europe/Berlin", billingDay: 5, distributionEnabled: true);
        var plan = Plan("team-6000", 6000);
        var state = State(account, plan, allocatedMinutes: 10);
        var workspace = Workspace(account, allocationMinutes: 10, resetDay: 20);
        var scopes = BalanceRules.ScopesFor(state, workspace, Now);
        var usedBefore = 9 * 60L;

        var before = new ScopeBalance[]
        {
            new(scopes[0].Scope, scopes[0].Period, scopes[0].TotalSeconds, usedBefore),
            new(scopes[1].Scope, scopes[1].Period, scopes[1].TotalSeconds, usedBefore),
        };
        CallStartPolicy.CheckBalances(workspace, before).Value.Should().Be(60);

        // The call is allowed with 60 s left, is never cut off, and lasts 5 minutes.
        var charge = CallCharging.Charge(Now, Now.AddMinutes(5), plan);
        var after = before.Select(b => b with { UsedSeconds = b.UsedSeconds + charge.BillableSeconds }).ToArray();

        after[0].RemainingSeconds.Should().Be(-240);
        after[0].OverageSeconds.Should().Be(240);
        after[1].RemainingSeconds.Should().Be(360_000 - 840);
        after[1].OverageSeconds.Should().Be(0);

        var result = CallStartPolicy.CheckBalances(workspace, after);

        result.IsSuccess.Should().BeFalse();
        result.Error!.Code.Should().Be(ErrorCodes.MinutesExhausted);
        result.Error.Extensions["scope"].Should().Be("workspace");
        result.Error.Extensions["remainingSeconds"].Should().Be(-240L);
        result.Error.Extensions["resetsAt"].Should().Be(Utc(2027, 6, 19, 22)); // the workspace's next reset, 2027-06-20 00:00 Berlin
    }

    [Fact]
    public void When_the_workspace_and_the_account_are_both_empty_the_account_is_reported()
    {
        var period = Cycle;
        var balances = new[]
        {
            new ScopeBalance(BalanceScope.Workspace, period, 600, 900),
            new ScopeBalance(BalanceScope.Account, period, 360_000, 360_000),
        };

        var result = CallStartPolicy.CheckBalances(Workspace(Account()), balances);

        result.Error!.Code.Should().Be(ErrorCodes.MinutesExhausted);
        result.Error.Extensions["scope"].Should().Be("account");
        result.Error.Extensions["remainingSeconds"].Should().Be(0L);
    }

    [Fact]
    public void An_empty_unallocated_pool_is_reported_as_such()
    {
        var period = Cycle;
        var balances = new[]
        {
            new ScopeBalance(BalanceScope.UnallocatedPool, period, 120_000, 120_030),
            new ScopeBalance(BalanceScope.Account, period, 360_000, 200_000),
        };

        var result = CallStartPolicy.CheckBalances(Workspace(Account()), balances);

        result.Error!.Code.Should().Be(ErrorCodes.MinutesExhausted);
        result.Error.Extensions["scope"].Should().Be("unallocated_pool");
        result.Error.Extensions["remainingSeconds"].Should().Be(-30L);
    }

    [Fact]
    public void A_balance_of_exactly_zero_refuses_the_start()
    {
        var balances = new[] { new ScopeBalance(BalanceScope.Account, Cycle, 360_000, 360_000) };

        var result = CallStartPolicy.CheckBalances(Workspace(Account()), balances);

        result.Error!.Code.Should().Be(ErrorCodes.MinutesExhausted);
        result.Error.Extensions["scope"].Should().Be("account");
        result.Error.Extensions["resetsAt"].Should().Be(Cycle.End);
    }

    [Fact]
    public void Max_usage_seconds_is_the_smallest_remaining_balance()
    {
        var balances = new[]
        {
            new ScopeBalance(BalanceScope.Workspace, Cycle, 60_000, 59_000),
            new ScopeBalance(BalanceScope.Account, Cycle, 360_000, 100_000),
        };

        var result = CallStartPolicy.CheckBalances(Workspace(Account()), balances);

        result.IsSuccess.Should().BeTrue();
        result.Value.Should().Be(1_000);
    }

    [Fact]
    public void With_one_pool_max_usage_seconds_is_the_account_balance()
    {
        var balances = new[] { new ScopeBalance(BalanceScope.Account, Cycle, 360_000, 1) };

        CallStartPolicy.CheckBalances(Workspace(Account()), balances).Value.Should().Be(359_999);
    }

    [Fact]
    public void An_archived_workspace_cannot_start_calls()
    {
        var workspace = Workspace(Account());
        workspace.ArchivedAt = Utc(2027, 6, 1);
        var balances = new[] { new ScopeBalance(BalanceScope.Account, Cycle, 360_000, 0) };

        var result = CallStartPolicy.CheckBalances(workspace, balances);

        result.IsSuccess.Should().BeFalse();
        result.Error!.Code.Should().Be(ErrorCodes.WorkspaceArchived);
    }

    [Fact]
    public void A_concurrent_call_limit_of_1_with_1_active_call_refuses_the_start()
    {
        var workspace = Workspace(Account());
        workspace.ConcurrentCallLimit = 1;

        CallStartPolicy.CheckConcurrency(workspace, activeCalls: 0).Should().BeNull();
        var error = CallStartPolicy.CheckConcurrency(workspace, activeCalls: 1);

        error.Should().NotBeNull();
        error!.Code.Should().Be(ErrorCodes.ConcurrentCallLimit);
        error.Extensions["limit"].Should().Be(1);
    }

    [Fact]
    public void Without_a_concurrent_call_limit_any_number_may_run()
    {
        CallStartPolicy.CheckConcurrency(Workspace(Account()), activeCalls: 10_000).Should().BeNull();
    }

    [Fact]
    public void Scope_wire_names()
    {
        ScopeNames.Of(BalanceScope.Workspace).Should().Be("workspace");
        ScopeNames.Of(BalanceScope.UnallocatedPool).Should().Be("unallocated_pool");
        ScopeNames.Of(BalanceScope.Account).Should().Be("account");
    }
}
