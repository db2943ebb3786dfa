using System.Collections.Concurrent;
using MinutePool.Core.Billing;

namespace MinutePool.Data.Billing;

/// <summary>
/// The local dates a workspace's balance sums cover, in the shape the API key's query can sum: the workspace's own
/// figure over one range (empty when only the account limits it) and the account's over another. The own figure is
/// the workspace's buckets, or for a workspace without an allocation in a distributing account the unallocated pool's
/// usage (<see cref="OwnIsPool"/>: the account's days' pool part). Every balance has this shape.
/// </summary>
public sealed record BalanceSumDates(DateOnly OwnStart, DateOnly OwnEnd, DateOnly AccountStart, DateOnly AccountEnd, bool OwnIsPool = false)
{
    /// <summary>Ranges that sum nothing: the key's query runs them when it has no dates for the workspace.</summary>
    public static readonly BalanceSumDates None = new(DateOnly.MinValue, DateOnly.MinValue, DateOnly.MinValue, DateOnly.MinValue);

    /// <summary>The range of the workspace's own buckets to sum (empty for the pool).</summary>
    public (DateOnly Start, DateOnly End) WorkspaceRange => OwnIsPool ? (DateOnly.MinValue, DateOnly.MinValue) : (OwnStart, OwnEnd);

    /// <summary>The range of the account's pool usage to sum (empty unless the own figure is the pool).</summary>
    public (DateOnly Start, DateOnly End) PoolRange => OwnIsPool ? (OwnStart, OwnEnd) : (DateOnly.MinValue, DateOnly.MinValue);

    /// <summary>The dates of these scopes (of <paramref name="workspaceId"/>), or null when they are not of the summable shape.</summary>
    public static BalanceSumDates? Of(IReadOnlyList<ScopeDefinition> scopes, Guid workspaceId) => scopes switch
    {
        [{ Usage: UsageSelector.Account } account] =>
            new(DateOnly.MinValue, DateOnly.MinValue, account.Period.StartDate, account.Period.EndDate),
        [{ Usage: UsageSelector.Workspace } own, { Usage: UsageSelector.Account } account] when own.WorkspaceId == workspaceId =>
            new(own.Period.StartDate, own.Period.EndDate, account.Period.StartDate, account.Period.EndDate),
        [{ Usage: UsageSelector.WorkspacesWithoutAllocation } pool, { Usage: UsageSelector.Account } account] =>
            new(pool.Period.StartDate, pool.Period.EndDate, account.Period.StartDate, account.Period.EndDate, OwnIsPool: true),
        _ => null,
    };

    /// <summary>The used seconds of each scope from the two sums.</summary>
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
/// Process-wide, like the compiled queries, and bounded: cleared when it would pass <see cref="Capacity"/> workspaces.
/// </summary>
public static class BalanceSumHints
{
    public const int Capacity = 100_000;

    private static readonly ConcurrentDictionary<Guid, BalanceSumDates> Dates = new();

    public static BalanceSumDates? Find(Guid workspaceId) => Dates.GetValueOrDefault(workspaceId);

    public static void Remember(Guid workspaceId, BalanceSumDates dates)
    {
        if (Dates.TryGetValue(workspaceId, out var known))
        {
            if (known != dates)
            {
                Dates[workspaceId] = dates;
            }

            return;
        }

        // Count takes every lock of the dictionary, so it is read only when a workspace is new to this process.
        if (Dates.Count >= Capacity)
        {
            Dates.Clear();
        }

        Dates[workspaceId] = dates;
    }
}
