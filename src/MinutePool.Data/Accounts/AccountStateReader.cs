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

        var state = StateOf(rows);

        // Outside a transaction the query saw only committed rows, so its version names exactly this state. Inside one
        // it may see the transaction's own version bump, which a rollback would hand to a different state later.
        if (state is not null && db.Database.CurrentTransaction is null)
        {
            States.Remember(state.Account.Id, state);
        }

        return state;
    }

    /// <summary>
    /// The state each account had at the version it was last read at by this process (outside a transaction), so that the
    /// API key's query need only read the account's version: on every change to what a state holds (the account row,
    /// its plan changes, the allocations its workspaces hold, a plan's terms) the database's triggers bump that version
    /// in the same transaction (migration <c>AccountStateVersions</c>), so a state whose version equals the one read
    /// now is the state now; anything else costs one round trip (<see cref="LoadAsync"/> reads and remembers it).
    /// A cached state is shared between requests: nothing may change it (its entities are read without tracking).
    /// </summary>
    private static readonly ProcessCache<Guid, AccountState> States = new(100_000);

    /// <summary>The state this process last read of the account, unchecked: whoever uses it checks its version first or at its write.</summary>
    public static AccountState? Remembered(Guid accountId) => States.Find(accountId);

    /// <summary>
    /// The API key with this prefix and, when it is valid, its account's state (when this process knows it at the
    /// account's current version; else null, and <see cref="LoadAsync"/> reads it) and what the request names of that
    /// account (a call, or else a workspace; when given and found), in one round trip; the caller checks the secret
    /// before it trusts any of them. With a workspace whose balance dates are known from an earlier request
    /// (<see cref="BalanceSumHints"/>), also that balance's usage sums. The key decides the tenant, so this query
    /// reads across accounts (also under row-level security), every join and sum bound to the key's own account.
    /// </summary>
    public static async Task<KeyedState> LoadWithKeyAsync(
        MinutePoolDbContext db, string prefix, Guid? workspaceId, string? callId, CancellationToken cancellationToken = default)
    {
        using var acrossAccounts = db.Tenant.AcrossAccounts();
        if (callId is not null)
        {
            var withCall = await KeyedCallRows.For(db)(db, prefix, callId, cancellationToken);
            return new KeyedState(withCall?.Key, CachedState(withCall?.Key, withCall?.AccountVersion), null, withCall?.Call);
        }

        var dates = workspaceId is { } id ? BalanceSumHints.Find(id) : null;
        var sumDates = dates ?? BalanceSumDates.None;
        var found = await KeyedWorkspaceRows.For(db)(db, prefix, workspaceId ?? Guid.Empty, sumDates.WorkspaceStart, sumDates.WorkspaceEnd,
            sumDates.PoolStart, sumDates.PoolEnd, sumDates.AccountStart, sumDates.AccountEnd, cancellationToken);
        var sums = dates is not null && found?.Workspace is { } workspace
            ? new PreloadedBalanceSums(workspace.Id, dates, found.OwnSeconds, found.AccountSeconds)
            : null;
        return new KeyedState(found?.Key, CachedState(found?.Key, found?.AccountVersion), found?.Workspace, null, sums);
    }

    /// <summary>What <see cref="LoadWithKeyAsync"/> found: each part null when absent (the state also when not cached).</summary>
    public sealed record KeyedState(ApiKey? Key, AccountState? State, Workspace? Workspace, Call? Call, PreloadedBalanceSums? Sums = null);

    private static AccountState? CachedState(ApiKey? key, long? version) =>
        key is not null && States.Find(key.AccountId) is { } state && state.Account.Version == version ? state : null;

    /// <summary>
    /// The state from its rows (one per plan change). An account always has a plan (PlanSchedule insists), so no
    /// row means no account.
    /// </summary>
    private static AccountState? StateOf(List<StateRow> rows) =>
        rows.Count == 0 ? null : new AccountState(rows[0].Account, new PlanSchedule(rows.Select(r => (r.EffectiveAt, r.Plan))), rows[0].Allocated);

    private sealed record KeyedWorkspaceRow(ApiKey Key, long AccountVersion, Workspace? Workspace, long OwnSeconds, long AccountSeconds);

    private sealed record KeyedCallRow(ApiKey Key, long AccountVersion, Call? Call);

    // Two queries, one per kind of request (a call start or balance read names a workspace, an end a call), because
    // PostgreSQL initialises every node of a plan on every execution, also the joins and sums a request does not need:
    // an end's query is the key, the account's version and the call. The account's state is not read here but checked
    // by its version (see States): the plan schedule's join and the allocation total's scan of the account's workspaces
    // were a third of this query's nodes.
    //
    // Each is one row at most (the prefix is the key's primary key). Guid.Empty for no workspace (no workspace has that
    // id); BalanceSumDates.None's empty ranges for no sums. The sums are separate subqueries, each by its table's primary
    // key: the own figure (the workspace's buckets, or the pool part of the account's days; the other range empty) and
    // the account's days (a row per day and slot, however many workspaces it has).
    private static readonly CompiledPerModel<Func<MinutePoolDbContext, string, Guid, DateOnly, DateOnly, DateOnly, DateOnly, DateOnly, DateOnly, CancellationToken, Task<KeyedWorkspaceRow?>>> KeyedWorkspaceRows = new(() => EF.CompileAsyncQuery(
        (MinutePoolDbContext db, string prefix, Guid workspaceId, DateOnly workspaceStart, DateOnly workspaceEnd,
            DateOnly poolStart, DateOnly poolEnd, DateOnly accountStart, DateOnly accountEnd, CancellationToken _) =>
            (from k in db.ApiKeys.AsNoTracking().IgnoreQueryFilters() // the whole query: no tenant is set yet
            where k.Prefix == prefix && k.RevokedAt == null
            join a in db.Accounts.AsNoTracking() on k.AccountId equals a.Id
            from w in db.Workspaces.AsNoTracking().Where(w => w.Id == workspaceId && w.AccountId == a.Id).DefaultIfEmpty()
            select new KeyedWorkspaceRow(
                k,
                a.Version,
                w,
                (db.UsageBuckets.Where(u => u.AccountId == a.Id && u.WorkspaceId == workspaceId && u.LocalDate >= workspaceStart && u.LocalDate < workspaceEnd)
                    .Sum(u => (long?)u.BilledSeconds) ?? 0L)
                + (db.AccountUsageDays.Where(d => d.AccountId == a.Id && d.LocalDate >= poolStart && d.LocalDate < poolEnd)
                    .Sum(d => (long?)d.PoolBilledSeconds) ?? 0L),
                db.AccountUsageDays.Where(d => d.AccountId == a.Id && d.LocalDate >= accountStart && d.LocalDate < accountEnd)
                    .Sum(d => (long?)d.BilledSeconds) ?? 0L)).SingleOrDefault()));

    private static readonly CompiledPerModel<Func<MinutePoolDbContext, string, string, CancellationToken, Task<KeyedCallRow?>>> KeyedCallRows = new(() => EF.CompileAsyncQuery(
        (MinutePoolDbContext db, string prefix, string callId, CancellationToken _) =>
            (from k in db.ApiKeys.AsNoTracking().IgnoreQueryFilters() // the whole query: no tenant is set yet
            where k.Prefix == prefix && k.RevokedAt == null
            join a in db.Accounts.AsNoTracking() on k.AccountId equals a.Id
            from call in db.Calls.AsNoTracking().Where(x => x.CallId == callId && x.AccountId == a.Id).DefaultIfEmpty()
            select new KeyedCallRow(k, a.Version, call)).SingleOrDefault()));

    /// <summary>One row per plan change, each carrying the account and its allocation total.</summary>
    private sealed record StateRow(Account Account, long Allocated, DateTimeOffset EffectiveAt, Plan Plan);

    // The account, its allocation total (a scalar subquery) and its plan schedule in one round trip, compiled: the first
    // call start, end or balance read of an account in a process, and the first after each change, loads this.
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
