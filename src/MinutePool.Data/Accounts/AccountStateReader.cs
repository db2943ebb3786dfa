using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;

namespace MinutePool.Data.Accounts;

/// <summary>Loads what the balance rules need to know about the current tenant's account.</summary>
public static class AccountStateReader
{
    public static async Task<AccountState?> LoadAsync(MinutePoolDbContext db, CancellationToken cancellationToken = default)
    {
        // The allocation total rides along with the account row (a scalar subquery): one round trip less on
        // every call start, end and balance read, which all load this state.
        var loaded = await db.Accounts.AsNoTracking()
            .Select(a => new
            {
                Account = a,
                Allocated = db.Workspaces.Where(w => w.ArchivedAt == null && w.AllocationMinutes != null).Sum(w => (long?)w.AllocationMinutes) ?? 0L,
            })
            .SingleOrDefaultAsync(cancellationToken);
        if (loaded is null)
        {
            return null;
        }

        var changes = await db.AccountPlanChanges.AsNoTracking()
            .Join(db.Plans.AsNoTracking(), c => c.PlanId, p => p.Id, (c, p) => new { c.EffectiveAt, Plan = p })
            .ToListAsync(cancellationToken);
        return new AccountState(loaded.Account, new PlanSchedule(changes.Select(c => (c.EffectiveAt, c.Plan))), loaded.Allocated);
    }

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
