using MinutePool.Core.Accounts;
using MinutePool.Core.Workspaces;

namespace MinutePool.Core.Billing;

/// <summary>The balances a call may draw on.</summary>
public enum BalanceScope
{
    Workspace,
    UnallocatedPool,
    Account,
}

/// <summary>Whose usage counts against a scope.</summary>
public enum UsageSelector
{
    /// <summary>One workspace's calls.</summary>
    Workspace,

    /// <summary>Calls of every workspace that holds no allocation (the unallocated pool's users).</summary>
    WorkspacesWithoutAllocation,

    /// <summary>Every call of the account.</summary>
    Account,
}

/// <summary>A scope to evaluate: its period, its size, and whose usage counts against it.</summary>
public sealed record ScopeDefinition(BalanceScope Scope, Period Period, long TotalSeconds, UsageSelector Usage, Guid? WorkspaceId = null);

/// <summary>A scope's state: remaining may be negative (overage), since calls are never cut off.</summary>
public sealed record ScopeBalance(BalanceScope Scope, Period Period, long TotalSeconds, long UsedSeconds)
{
    public long RemainingSeconds => TotalSeconds - UsedSeconds;

    public long OverageSeconds => Math.Max(0, -RemainingSeconds);

    public bool IsExhausted => RemainingSeconds <= 0;
}

/// <summary>
/// An account as the balance rules see it: its settings, its plan history and the minutes that its
/// active workspaces hold as allocations.
/// </summary>
public sealed record AccountState(Account Account, PlanSchedule Plans, long AllocatedMinutes)
{
    public Period CycleAt(DateTimeOffset at) => Account.CycleCalendar.PeriodContaining(at);

    /// <summary>Minutes of the cycle's plan that no workspace holds; never below zero.</summary>
    public long UnallocatedMinutes(Period cycle) => AllocationPolicy.Unallocated(Plans.PlanFor(cycle).MinutesPerCycle, AllocatedMinutes);
}

/// <summary>Which balances apply to a workspace at an instant (DESIGN.md, "One pool, or minutes distributed").</summary>
public static class BalanceRules
{
    /// <summary>Whether a workspace's own allocation is enforced.</summary>
    public static bool HoldsAllocation(Workspace workspace, bool distributionEnabled) =>
        distributionEnabled && !workspace.IsArchived && workspace.AllocationMinutes is not null;

    /// <summary>The account cycle's scope: the plan's minutes against every call of the cycle.</summary>
    public static ScopeDefinition AccountScope(AccountState account, DateTimeOffset at)
    {
        var cycle = account.CycleAt(at);
        return new ScopeDefinition(BalanceScope.Account, cycle, account.Plans.PlanFor(cycle).SecondsPerCycle, UsageSelector.Account);
    }

    /// <summary>
    /// The scopes that apply, narrowest first: with distribution on, the workspace's own allocation over
    /// its reset period or, without one, the unallocated pool over the account cycle; always the account.
    /// </summary>
    public static IReadOnlyList<ScopeDefinition> ScopesFor(AccountState account, Workspace workspace, DateTimeOffset at)
    {
        var accountScope = AccountScope(account, at);
        if (!account.Account.DistributionEnabled)
        {
            return [accountScope];
        }

        if (HoldsAllocation(workspace, distributionEnabled: true))
        {
            var period = workspace.PeriodCalendar(account.Account.TimeZone, account.Account.BillingDay).PeriodContaining(at);
            return
            [
                new ScopeDefinition(BalanceScope.Workspace, period, workspace.AllocationMinutes!.Value * 60L, UsageSelector.Workspace, workspace.Id),
                accountScope,
            ];
        }

        var pool = new ScopeDefinition(
            BalanceScope.UnallocatedPool,
            accountScope.Period,
            account.UnallocatedMinutes(accountScope.Period) * 60L,
            UsageSelector.WorkspacesWithoutAllocation);
        return [pool, accountScope];
    }

    /// <summary>The smallest remaining balance: what a new call may use before some scope runs dry.</summary>
    public static long Remaining(IReadOnlyList<ScopeBalance> balances) => balances.Min(b => b.RemainingSeconds);
}
