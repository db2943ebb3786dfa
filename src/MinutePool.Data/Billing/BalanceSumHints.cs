using MinutePool.Core.Billing;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Data.Billing;

/// <summary>
/// The local dates a workspace's balance sums cover, in the shape the API key's query can sum: the workspace's own
/// figure over one range and the account's over another. The own figure is the workspace's buckets (its allocation),
/// or for a workspace without an allocation in a distributing account the pool part of the account's days (the
/// unallocated pool); the range of the other kind is empty, as both are when only the account limits the workspace.
/// Every balance has this shape.
/// </summary>
public sealed record BalanceSumDates(
    DateOnly WorkspaceStart, DateOnly WorkspaceEnd, DateOnly PoolStart, DateOnly PoolEnd, DateOnly AccountStart, DateOnly AccountEnd)
{
    private static readonly DateOnly Empty = DateOnly.MinValue;

    /// <summary>Ranges that sum nothing: the key's query runs them when it has no dates for the workspace.</summary>
    public static readonly BalanceSumDates None = new(Empty, Empty, Empty, Empty, Empty, Empty);

    /// <summary>The dates of these scopes (of <paramref name="workspaceId"/>), or null when they are not of the summable shape.</summary>
    public static BalanceSumDates? Of(IReadOnlyList<ScopeDefinition> scopes, Guid workspaceId) => scopes switch
    {
        [{ Usage: UsageSelector.Account } account] =>
            new(Empty, Empty, Empty, Empty, account.Period.StartDate, account.Period.EndDate),
        [{ Usage: UsageSelector.Workspace } own, { Usage: UsageSelector.Account } account] when own.WorkspaceId == workspaceId =>
            new(own.Period.StartDate, own.Period.EndDate, Empty, Empty, account.Period.StartDate, account.Period.EndDate),
        [{ Usage: UsageSelector.WorkspacesWithoutAllocation } pool, { Usage: UsageSelector.Account } account] =>
            new(Empty, Empty, pool.Period.StartDate, pool.Period.EndDate, account.Period.StartDate, account.Period.EndDate),
        _ => null,
    };

    /// <summary>The used seconds of each scope from the two sums (the own figure: the workspace's or the pool's).</summary>
    public static IReadOnlyList<ScopeBalance> Balances(IReadOnlyList<ScopeDefinition> scopes, PreloadedBalanceSums sums) =>
        scopes.Select(s => new ScopeBalance(s.Scope, s.Period, s.TotalSeconds, s.Usage == UsageSelector.Account ? sums.AccountSeconds : sums.OwnSeconds)).ToList();
}

/// <summary>The two sums of <see cref="BalanceSumDates"/> for one workspace, read in the same query as the API key.</summary>
public sealed record PreloadedBalanceSums(Guid WorkspaceId, BalanceSumDates Dates, long OwnSeconds, long AccountSeconds);

/// <summary>
/// The dates each workspace's balance summed last time, so that the next call start or balance read of that workspace
/// can sum them in the API key's query (which runs before the account's time zone, billing day and the workspace's
/// reset day are known) and save a round trip. Only a guess: the reader compares it with the scopes it computes and
/// sums afresh when they differ (a new period, a changed reset day, a start in the past), so a stale, missing or
/// evicted entry costs the round trip, never a wrong balance; and the sums are always bound to the key's own account.
/// Process-wide, like the compiled queries, and bounded (<see cref="ProcessCache{TKey, TValue}"/>) to <see cref="Capacity"/> workspaces.
/// </summary>
public static class BalanceSumHints
{
    public const int Capacity = 100_000;

    private static readonly ProcessCache<Guid, BalanceSumDates> Dates = new(Capacity);

    public static BalanceSumDates? Find(Guid workspaceId) => Dates.Find(workspaceId);

    public static void Remember(Guid workspaceId, BalanceSumDates dates) => Dates.Remember(workspaceId, dates);
}
