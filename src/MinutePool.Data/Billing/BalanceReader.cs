using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Data.Billing;

/// <summary>
/// Evaluates balance scopes from daily sums, never individual calls: a workspace's own usage buckets, and the
/// account's days (<see cref="AccountUsageDay"/>, the sum of all its buckets per day).
/// </summary>
public static class BalanceReader
{
    /// <summary>
    /// Every scope that limits a workspace (one or two), summed in one query: this runs on every call start and
    /// balance read, and one round trip per scope was a measurable part of both.
    /// </summary>
    public static async Task<IReadOnlyList<ScopeBalance>> ForWorkspaceAsync(MinutePoolDbContext db, AccountState account, Workspace workspace, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var scopes = BalanceRules.ScopesFor(account, workspace, at);

        // The common shapes: summed with the API key when this workspace's dates were known (see BalanceSumHints),
        // else here, the same two sums.
        if (BalanceSumDates.Of(scopes, workspace.Id) is { } dates)
        {
            BalanceSumHints.Remember(workspace.Id, dates);
            if (db.Tenant.TakePreloadedSums(workspace.Id, dates) is not { } sums)
            {
                var read = await TwoSumsOf.For(db)(db, workspace.AccountId, workspace.Id,
                    dates.WorkspaceStart, dates.WorkspaceEnd, dates.AccountStart, dates.AccountEnd, cancellationToken);
                sums = new PreloadedBalanceSums(workspace.Id, dates, read?.First ?? 0, read?.Second ?? 0);
            }

            return BalanceSumDates.Balances(scopes, sums);
        }

        // Left: the unallocated pool and the account, over the same cycle.
        if (scopes is not [{ Usage: UsageSelector.WorkspacesWithoutAllocation } pool, { Usage: UsageSelector.Account } whole] || pool.Period != whole.Period)
        {
            throw new InvalidOperationException("A workspace's scopes are one pool, an allocation and the account, or the unallocated pool and the account.");
        }

        var (accountUsed, poolUsed) = await AccountAndPoolUsedAsync(db, workspace.AccountId, whole.Period.StartDate, whole.Period.EndDate, cancellationToken);
        return [new ScopeBalance(pool.Scope, pool.Period, pool.TotalSeconds, poolUsed), new ScopeBalance(whole.Scope, whole.Period, whole.TotalSeconds, accountUsed)];
    }

    /// <summary>
    /// The account's usage of [start, end) and its unallocated pool's: the usage of the workspaces that hold no
    /// allocation (unset, or archived) is the account's less that of those that hold one. Both come from rows
    /// read by primary key (the account's days; each allocation-holding workspace's own buckets), in one
    /// statement and so from one snapshot, instead of every workspace's buckets joined to the workspaces.
    /// </summary>
    private static async Task<(long Account, long Pool)> AccountAndPoolUsedAsync(MinutePoolDbContext db, Guid accountId, DateOnly start, DateOnly end, CancellationToken cancellationToken)
    {
        var sums = await AccountAndAllocatedUsed.For(db)(db, accountId, start, end, cancellationToken);
        var (account, allocated) = (sums?.First ?? 0, sums?.Second ?? 0);
        return (account, account - allocated);
    }

    private sealed record TwoSums(long First, long Second);

    // The common shapes (one pool, or a workspace's own allocation) as in the API key's query: two scalar subqueries,
    // each by its table's primary key (the workspace's buckets; the account's days, whatever its number of
    // workspaces). Joining the workspaces for every sum made it ten times dearer (2.0 ms against 0.2 ms for 200
    // buckets of 50 workspaces), and only the unallocated pool needs them. Scalar parameters only (EF compiled queries).
    private static readonly CompiledPerModel<Func<MinutePoolDbContext, Guid, Guid, DateOnly, DateOnly, DateOnly, DateOnly, CancellationToken, Task<TwoSums?>>> TwoSumsOf = new(() =>
        EF.CompileAsyncQuery((MinutePoolDbContext db, Guid accountId, Guid workspaceId,
                DateOnly workspaceStart, DateOnly workspaceEnd, DateOnly accountStart, DateOnly accountEnd, CancellationToken _) =>
            db.Accounts
                .Where(a => a.Id == accountId)
                .Select(a => new TwoSums(
                    db.UsageBuckets.Where(u => u.AccountId == a.Id && u.WorkspaceId == workspaceId && u.LocalDate >= workspaceStart && u.LocalDate < workspaceEnd)
                        .Sum(u => (long?)u.BilledSeconds) ?? 0L,
                    db.AccountUsageDays.Where(d => d.AccountId == a.Id && d.LocalDate >= accountStart && d.LocalDate < accountEnd)
                        .Sum(d => (long?)d.BilledSeconds) ?? 0L))
                .SingleOrDefault()));

    // The complement of the unallocated pool: the workspaces that AccountState.Allocated sums (active, allocation
    // set), each one's buckets by primary key.
    private static readonly CompiledPerModel<Func<MinutePoolDbContext, Guid, DateOnly, DateOnly, CancellationToken, Task<TwoSums?>>> AccountAndAllocatedUsed = new(() =>
        EF.CompileAsyncQuery((MinutePoolDbContext db, Guid accountId, DateOnly start, DateOnly end, CancellationToken _) =>
            db.Accounts
                .Where(a => a.Id == accountId)
                .Select(a => new TwoSums(
                    db.AccountUsageDays.Where(d => d.AccountId == a.Id && d.LocalDate >= start && d.LocalDate < end)
                        .Sum(d => (long?)d.BilledSeconds) ?? 0L,
                    (from w in db.Workspaces
                     where w.AccountId == a.Id && w.ArchivedAt == null && w.AllocationMinutes != null
                     from u in db.UsageBuckets
                     where u.AccountId == a.Id && u.WorkspaceId == w.Id && u.LocalDate >= start && u.LocalDate < end
                     select (long?)u.BilledSeconds).Sum() ?? 0L))
                .SingleOrDefault()));

    /// <summary>Billed seconds and finished calls of the local dates [start, end), for one workspace or the whole account.</summary>
    public static async Task<(long Seconds, long Calls)> UsageAsync(MinutePoolDbContext db, DateOnly start, DateOnly end, Guid? workspaceId, CancellationToken cancellationToken = default)
    {
        var totals = workspaceId is { } id
            ? await db.UsageBuckets.Where(b => b.WorkspaceId == id && b.LocalDate >= start && b.LocalDate < end)
                .GroupBy(_ => 1).Select(g => new { Seconds = g.Sum(b => b.BilledSeconds), Calls = g.Sum(b => b.Calls) }).SingleOrDefaultAsync(cancellationToken)
            : await AccountDays(db, start, end)
                .GroupBy(_ => 1).Select(g => new { Seconds = g.Sum(d => d.BilledSeconds), Calls = g.Sum(d => d.Calls) }).SingleOrDefaultAsync(cancellationToken);
        return totals is null ? (0, 0) : (totals.Seconds, totals.Calls);
    }

    public static async Task<ScopeBalance> EvaluateAsync(MinutePoolDbContext db, ScopeDefinition scope, CancellationToken cancellationToken = default)
    {
        var (start, end) = (scope.Period.StartDate, scope.Period.EndDate);
        var buckets = db.UsageBuckets.Where(b => b.LocalDate >= start && b.LocalDate < end);
        var used = scope.Usage switch
        {
            UsageSelector.Workspace => await buckets.Where(b => b.WorkspaceId == scope.WorkspaceId).SumAsync(b => b.BilledSeconds, cancellationToken),
            UsageSelector.WorkspacesWithoutAllocation => (await AccountAndPoolUsedAsync(db, db.CurrentAccountId, start, end, cancellationToken)).Pool,
            _ => await AccountDays(db, start, end).SumAsync(d => d.BilledSeconds, cancellationToken),
        };
        return new ScopeBalance(scope.Scope, scope.Period, scope.TotalSeconds, used);
    }

    /// <summary>The whole account's usage of [start, end): its days, a row per day and slot (the sum of its buckets).</summary>
    private static IQueryable<AccountUsageDay> AccountDays(MinutePoolDbContext db, DateOnly start, DateOnly end) =>
        db.AccountUsageDays.Where(d => d.LocalDate >= start && d.LocalDate < end);
}
