using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Core.Plans;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Billing;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Data.Accounts;

/// <summary>Loads what the balance rules need to know about the current tenant's account.</summary>
public static class AccountStateReader
{
    public static async Task<AccountState?> LoadAsync(MinutePoolDbContext db, CancellationToken cancellationToken = default)
    {
        if (db.Tenant.TakePreloaded() is { } preloaded)
        {
            return preloaded;
        }

        var rows = new List<StateRow>(2);
        await foreach (var row in StateRows.For(db)(db).WithCancellation(cancellationToken))
        {
            rows.Add(row);
        }

        return StateOf(rows);
    }

    /// <summary>
    /// The API key with this prefix and, when it is valid, its account's state and what the request names of that
    /// account (a workspace, a call; when given and found), in one round trip; the caller checks the secret before it
    /// trusts any of them. With a workspace whose balance dates are known from an earlier request
    /// (<see cref="BalanceSumHints"/>), also that balance's usage sums. The key decides the tenant, so this query
    /// reads across accounts (also under row-level security), every join and sum bound to the key's own account.
    /// </summary>
    public static async Task<KeyedState> LoadWithKeyAsync(
        MinutePoolDbContext db, string prefix, Guid? workspaceId, string? callId, CancellationToken cancellationToken = default)
    {
        var dates = workspaceId is { } id ? BalanceSumHints.Find(id) : null;
        var sumDates = dates ?? BalanceSumDates.None;
        var rows = new List<KeyedStateRow>(2);
        using (db.Tenant.AcrossAccounts())
        {
            var query = KeyedStateRows.For(db)(db, prefix, workspaceId ?? Guid.Empty, callId ?? "", sumDates.WorkspaceStart, sumDates.WorkspaceEnd,
                sumDates.PoolStart, sumDates.PoolEnd, sumDates.AccountStart, sumDates.AccountEnd);
            await foreach (var row in query.WithCancellation(cancellationToken))
            {
                rows.Add(row);
            }
        }

        var first = rows.FirstOrDefault();
        var sums = dates is not null && first?.Workspace is { } workspace
            ? new PreloadedBalanceSums(workspace.Id, dates, first.OwnSeconds, first.AccountSeconds)
            : null;
        return new KeyedState(first?.Key, StateOf(rows.Select(r => r.State).ToList()), first?.Workspace, first?.Call, sums);
    }

    /// <summary>What <see cref="LoadWithKeyAsync"/> found: each part null when absent.</summary>
    public sealed record KeyedState(ApiKey? Key, AccountState? State, Workspace? Workspace, Call? Call, PreloadedBalanceSums? Sums = null);

    /// <summary>
    /// The state from its rows (one per plan change). An account always has a plan (PlanSchedule insists), so no
    /// row means no account.
    /// </summary>
    private static AccountState? StateOf(List<StateRow> rows) =>
        rows.Count == 0 ? null : new AccountState(rows[0].Account, new PlanSchedule(rows.Select(r => (r.EffectiveAt, r.Plan))), rows[0].Allocated);

    private sealed record KeyedStateRow(ApiKey Key, StateRow State, Workspace? Workspace, Call? Call, long OwnSeconds, long AccountSeconds);

    // Guid.Empty for no workspace and "" for no call (no workspace or call has those ids); BalanceSumDates.None's
    // empty ranges for no sums. The sums are separate subqueries, each by its table's primary key: the own figure
    // (the workspace's buckets, or the pool part of the account's days; the other range empty) and the account's
    // days (a row per day and slot, however many workspaces it has).
    private static readonly CompiledPerModel<Func<MinutePoolDbContext, string, Guid, string, DateOnly, DateOnly, DateOnly, DateOnly, DateOnly, DateOnly, IAsyncEnumerable<KeyedStateRow>>> KeyedStateRows = new(() => EF.CompileAsyncQuery(
        (MinutePoolDbContext db, string prefix, Guid workspaceId, string callId, DateOnly workspaceStart, DateOnly workspaceEnd,
            DateOnly poolStart, DateOnly poolEnd, DateOnly accountStart, DateOnly accountEnd) =>
            from k in db.ApiKeys.AsNoTracking().IgnoreQueryFilters() // the whole query: no tenant is set yet
            where k.Prefix == prefix && k.RevokedAt == null
            join a in db.Accounts.AsNoTracking() on k.AccountId equals a.Id
            join c in db.AccountPlanChanges.AsNoTracking() on a.Id equals c.AccountId
            join p in db.Plans.AsNoTracking() on c.PlanId equals p.Id
            from w in db.Workspaces.AsNoTracking().Where(w => w.Id == workspaceId && w.AccountId == a.Id).DefaultIfEmpty()
            from call in db.Calls.AsNoTracking().Where(x => x.CallId == callId && x.AccountId == a.Id).DefaultIfEmpty()
            select new KeyedStateRow(
                k,
                new StateRow(
                    a,
                    db.Workspaces.Where(w => w.AccountId == a.Id && w.ArchivedAt == null && w.AllocationMinutes != null).Sum(w => (long?)w.AllocationMinutes) ?? 0L,
                    c.EffectiveAt,
                    p),
                w,
                call,
                (db.UsageBuckets.Where(u => u.AccountId == a.Id && u.WorkspaceId == workspaceId && u.LocalDate >= workspaceStart && u.LocalDate < workspaceEnd)
                    .Sum(u => (long?)u.BilledSeconds) ?? 0L)
                + (db.AccountUsageDays.Where(d => d.AccountId == a.Id && d.LocalDate >= poolStart && d.LocalDate < poolEnd)
                    .Sum(d => (long?)d.PoolBilledSeconds) ?? 0L),
                db.AccountUsageDays.Where(d => d.AccountId == a.Id && d.LocalDate >= accountStart && d.LocalDate < accountEnd)
                    .Sum(d => (long?)d.BilledSeconds) ?? 0L)));

    /// <summary>One row per plan change, each carrying the account and its allocation total.</summary>
    private sealed record StateRow(Account Account, long Allocated, DateTimeOffset EffectiveAt, Plan Plan);

    // The account, its allocation total (a scalar subquery) and its plan schedule in one round trip, compiled:
    // every call start, end and balance read loads this.
    private static readonly CompiledPerModel<Func<MinutePoolDbContext, IAsyncEnumerable<StateRow>>> StateRows = new(() => EF.CompileAsyncQuery(
        (MinutePoolDbContext db) =>
            from a in db.Accounts.AsNoTracking()
            join c in db.AccountPlanChanges.AsNoTracking() on a.Id equals c.AccountId
            join p in db.Plans.AsNoTracking() on c.PlanId equals p.Id
            select new StateRow(
                a,
                db.Workspaces.Where(w => w.ArchivedAt == null && w.AllocationMinutes != null).Sum(w => (long?)w.AllocationMinutes) ?? 0L,
                c.EffectiveAt,
                p)));

    /// <summary>Minutes held by active (not archived) workspaces' allocations.</summary>
    public static async Task<long> AllocatedMinutesAsync(MinutePoolDbContext db, CancellationToken cancellationToken = default, Guid? excludingWorkspace = null) =>
        await db.Workspaces
            .Where(w => w.ArchivedAt == null && w.AllocationMinutes != null && w.Id != excludingWorkspace)
            .SumAsync(w => (long)w.AllocationMinutes!.Value, cancellationToken);

    /// <summary>
    /// Takes the account's row lock for the rest of the transaction by bumping its version: writers that
    /// must not interleave (allocation saves, plan changes) queue here, on both providers.
    /// </summary>
    public static Task LockAsync(MinutePoolDbContext db, CancellationToken cancellationToken = default) =>
        db.Accounts.ExecuteUpdateAsync(s => s.SetProperty(a => a.Version, a => a.Version + 1), cancellationToken);
}
