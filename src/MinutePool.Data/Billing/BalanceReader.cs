using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;
using MinutePool.Core.Workspaces;

namespace MinutePool.Data.Billing;

/// <summary>Evaluates balance scopes by summing daily usage buckets (never individual calls).</summary>
public static class BalanceReader
{
    public static async Task<IReadOnlyList<ScopeBalance>> ForWorkspaceAsync(MinutePoolDbContext db, AccountState account, Workspace workspace, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var scopes = BalanceRules.ScopesFor(account, workspace, at);
        var balances = new List<ScopeBalance>(scopes.Count);
        foreach (var scope in scopes)
        {
            balances.Add(await EvaluateAsync(db, scope, cancellationToken));
        }

        return balances;
    }

    /// <summary>Billed seconds and finished calls of the local dates [start, end), for one workspace or the whole account.</summary>
    public static async Task<(long Seconds, long Calls)> UsageAsync(MinutePoolDbContext db, DateOnly start, DateOnly end, Guid? workspaceId, CancellationToken cancellationToken = default)
    {
        var buckets = db.UsageBuckets.Where(b => b.LocalDate >= start && b.LocalDate < end);
        if (workspaceId is { } id)
        {
            buckets = buckets.Where(b => b.WorkspaceId == id);
        }

        var totals = await buckets.GroupBy(_ => 1).Select(g => new { Seconds = g.Sum(b => b.BilledSeconds), Calls = g.Sum(b => b.Calls) }).SingleOrDefaultAsync(cancellationToken);
        return totals is null ? (0, 0) : (totals.Seconds, totals.Calls);
    }

    public static async Task<ScopeBalance> EvaluateAsync(MinutePoolDbContext db, ScopeDefinition scope, CancellationToken cancellationToken = default)
    {
        var (start, end) = (scope.Period.StartDate, scope.Period.EndDate);
        var buckets = db.UsageBuckets.Where(b => b.LocalDate >= start && b.LocalDate < end);
        buckets = scope.Usage switch
        {
            UsageSelector.Workspace => buckets.Where(b => b.WorkspaceId == scope.WorkspaceId),
            UsageSelector.WorkspacesWithoutAllocation => buckets.Where(b => !db.Workspaces
                .Where(w => w.ArchivedAt == null && w.AllocationMinutes != null)
                .Select(w => w.Id)
                .Contains(b.WorkspaceId)),
            _ => buckets,
        };
        var used = await buckets.SumAsync(b => b.BilledSeconds, cancellationToken);
        return new ScopeBalance(scope.Scope, scope.Period, scope.TotalSeconds, used);
    }
}
