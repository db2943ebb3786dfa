using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Accounts;
using MinutePool.Data.Workspaces;

namespace MinutePool.Data.Reports;

/// <summary>
/// One of a workspace's recent ended periods. <see cref="Counted"/> is false for a period that ended
/// before the workspace existed and holds no usage: it is no evidence of a quiet month, so the rule
/// does not see it. (A period before creation that does hold usage, carried over by a late import, counts.)
/// </summary>
public sealed record RecentPeriodUsage(Period Period, long UsedSeconds, bool Counted);

/// <summary>A workspace's row on the suggestions page: its recent periods (most recent first), its running period and the suggestion.</summary>
public sealed record WorkspaceSuggestion(Workspace Workspace, int EffectiveResetDay, IReadOnlyList<RecentPeriodUsage> RecentPeriods, Period CurrentPeriod, long CurrentPeriodSeconds, AllocationSuggestion Suggestion);

/// <summary>The suggestions for the current tenant, next to what is allocated now.</summary>
public sealed record AllocationSuggestionReport(
    bool DistributionEnabled,
    int PlanMinutes,
    long CurrentAllocatedMinutes,
    AllocationSuggestionSet Set,
    IReadOnlyList<WorkspaceSuggestion> Workspaces);

/// <summary>
/// Suggested allocations (<see cref="AllocationSuggestions"/>) from the current tenant's usage. Each active
/// workspace's last <see cref="AllocationSuggestions.PeriodsConsidered"/> ended periods follow its reset day in
/// force now, as its balance does, and their usage is summed from the daily usage buckets, so the figures
/// exist whether or not the statement job has closed those periods. The plan's minutes are the ones an
/// allocation save is checked against (the smaller of the plan in force and a scheduled one).
/// </summary>
public sealed class AllocationSuggestionService(MinutePoolDbContext db, WorkspaceService workspaces, TimeProvider clock)
{
    public async Task<AllocationSuggestionReport?> SuggestAsync(CancellationToken cancellationToken = default)
    {
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var account = state.Account;
        var active = await db.Workspaces.AsNoTracking()
            .Where(w => w.ArchivedAt == null)
            .OrderBy(w => w.Name)
            .ToListAsync(cancellationToken);

        var calendars = active.Select(w =>
        {
            var calendar = w.PeriodCalendar(account.TimeZone, account.BillingDay);
            var current = calendar.PeriodContaining(now);
            var recent = new List<Period>(AllocationSuggestions.PeriodsConsidered);
            for (var period = current; recent.Count < AllocationSuggestions.PeriodsConsidered;)
            {
                period = calendar.Previous(period);
                recent.Add(period);
            }

            return (Workspace: w, Current: current, Recent: recent);
        }).ToList();

        ILookup<Guid, (DateOnly Date, long Seconds)> usage = Array.Empty<(Guid, DateOnly, long)>().ToLookup(d => d.Item1, d => (d.Item2, d.Item3));
        if (calendars.Count > 0)
        {
            var from = calendars.Min(c => c.Recent[^1].StartDate);
            var to = calendars.Max(c => c.Current.EndDate);
            var days = await db.UsageBuckets.AsNoTracking()
                .Where(b => b.LocalDate >= from && b.LocalDate < to)
                .GroupBy(b => new { b.WorkspaceId, b.LocalDate })
                .Select(g => new { g.Key.WorkspaceId, g.Key.LocalDate, Seconds = g.Sum(b => b.BilledSeconds) })
                .ToListAsync(cancellationToken);
            usage = days.ToLookup(d => d.WorkspaceId, d => (d.LocalDate, d.Seconds));
        }

        long UsedIn(Guid workspaceId, Period period) =>
            usage[workspaceId].Where(d => period.ContainsDate(d.Date)).Sum(d => d.Seconds);

        var rows = calendars.Select(c =>
        {
            var recent = c.Recent.Select(p =>
            {
                var used = UsedIn(c.Workspace.Id, p);
                return new RecentPeriodUsage(p, used, Counted: p.End > c.Workspace.CreatedAt || used > 0);
            }).ToList();
            return (c.Workspace, c.Current, Recent: recent, CurrentSeconds: UsedIn(c.Workspace.Id, c.Current));
        }).ToList();

        var planMinutes = WorkspaceService.AllocatablePlanMinutes(state, now);
        var set = AllocationSuggestions.Suggest(
            rows.Select(r => new WorkspaceUsageHistory(
                r.Workspace.Id,
                r.Workspace.AllocationMinutes,
                r.Recent.Where(p => p.Counted).Select(p => p.UsedSeconds).ToList(),
                r.CurrentSeconds)).ToList(),
            planMinutes);

        var suggestions = rows.Select((r, i) => new WorkspaceSuggestion(
            r.Workspace, r.Workspace.EffectiveResetDay(account.BillingDay), r.Recent, r.Current, r.CurrentSeconds, set.Suggestions[i])).ToList();
        return new AllocationSuggestionReport(account.DistributionEnabled, planMinutes, state.AllocatedMinutes, set, suggestions);
    }

    /// <summary>
    /// Applies the suggestions as they stand now through <see cref="WorkspaceService.SetAllocationsAsync"/>,
    /// the checked, audited, all-or-nothing allocation save. They are computed afresh rather than taken from
    /// the page, so a stale page cannot apply figures from another period; the save re-checks them under
    /// the account lock, so a concurrent change can make it refuse but never exceed the plan. Returns the
    /// workspaces whose allocation changed, or the refusal (e.g. <c>distribution_disabled</c>).
    /// </summary>
    public async Task<Result<IReadOnlyList<Workspace>>> ApplyAsync(string actor, CancellationToken cancellationToken = default)
    {
        var report = await SuggestAsync(cancellationToken);
        if (report is null)
        {
            return DomainError.NotFound("The account");
        }

        var allocations = report.Set.Suggestions.ToDictionary(s => s.WorkspaceId, s => s.SuggestedMinutes);
        return await workspaces.SetAllocationsAsync(allocations, actor, cancellationToken);
    }
}
