using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Core.Workspaces;

namespace MinutePool.Core.Calls;

/// <summary>May a call start? (DESIGN.md, "Running out" and "Sub-accounts").</summary>
public static class CallStartPolicy
{
    /// <summary>
    /// Refuses archived workspaces and any start while a balance that applies is at or below zero; on
    /// success answers <c>maxUsageSeconds</c>, the smallest remaining balance. When several scopes are
    /// empty the broadest is reported (account, then unallocated pool, then workspace), because only
    /// refilling that one would let the call through.
    /// </summary>
    public static Result<long> CheckBalances(Workspace workspace, IReadOnlyList<ScopeBalance> balances)
    {
        if (workspace.IsArchived)
        {
            return new DomainError(ErrorCodes.WorkspaceArchived, "This workspace is archived and cannot start calls.");
        }

        var empty = balances.Where(b => b.IsExhausted).MaxBy(b => (int)b.Scope);
        if (empty is not null)
        {
            return new DomainError(ErrorCodes.MinutesExhausted, $"No minutes remain in the {ScopeNames.Of(empty.Scope).Replace('_', ' ')} until its reset or an upgrade.")
                .With("scope", ScopeNames.Of(empty.Scope))
                .With("remainingSeconds", empty.RemainingSeconds)
                .With("resetsAt", empty.Period.End);
        }

        return BalanceRules.Remaining(balances);
    }

    /// <summary>A start beyond the workspace's concurrent-call limit is refused.</summary>
    public static DomainError? CheckConcurrency(Workspace workspace, int activeCalls) =>
        workspace.ConcurrentCallLimit is { } limit && activeCalls >= limit
            ? new DomainError(ErrorCodes.ConcurrentCallLimit, $"This workspace allows {limit} simultaneous call(s).").With("limit", limit)
            : null;
}

/// <summary>The wire names of balance scopes.</summary>
public static class ScopeNames
{
    public static string Of(BalanceScope scope) => scope switch
    {
        BalanceScope.Workspace => "workspace",
        BalanceScope.UnallocatedPool => "unallocated_pool",
        BalanceScope.Account => "account",
        _ => throw new ArgumentOutOfRangeException(nameof(scope)),
    };
}
