using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Data.Accounts;

namespace MinutePool.Data.Reports;

public sealed record UsageReportRow(Guid WorkspaceId, string Name, string UserId, long Calls, long BillableSeconds, int? AllocationMinutes, long OverageSeconds, decimal CostShare);

/// <summary>Usage of one project tag (null: calls without one) over the report's range.</summary>
public sealed record ProjectTagRow(string? ProjectTag, long Calls, long BillableSeconds, decimal CostShare);

public sealed record UsageReportResult(
    DateTimeOffset From,
    DateTimeOffset To,
    string Currency,
    decimal Price,
    long TotalBillableSeconds,
    long TotalCalls,
    IReadOnlyList<UsageReportRow> Workspaces,
    IReadOnlyList<ProjectTagRow> ProjectTags);

/// <summary>
/// Usage per workspace over a time range (default: the current cycle). Ranges that start and end at local
/// midnight — every cycle and period — are summed from the daily buckets; any other range from the calls
/// themselves, so every number equals the sum of the calls behind it. Cost shares split the price of the
/// plan of the cycle that contains <c>from</c> by billable seconds (<see cref="CostSplit"/>). Overage is the
/// billable time beyond a workspace's allocation (meaningful for one period).
/// </summary>
public sealed class UsageReport(MinutePoolDbContext db, TimeProvider clock)
{
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(400);

    /// <param name="withProjectTags">
    /// Also break the range down by project tag. Tags are on calls, not in the daily buckets, so this part reads
    /// every call of the range (its cost grows with the number of calls); the API asks for it explicitly.
    /// </param>
    public async Task<Result<UsageReportResult>> BuildAsync(DateTimeOffset? from, DateTimeOffset? to, bool withProjectTags = false, CancellationToken cancellationToken = default)
    {
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return DomainError.NotFound("The account");
        }

        var cycle = state.CycleAt(clock.GetUtcNow());
        var (start, end) = ((from ?? cycle.Start).ToUniversalTime(), (to ?? (from is null ? cycle.End : state.CycleAt(from.Value).End)).ToUniversalTime());
        if (end <= start)
        {
            return new DomainError(ErrorCodes.InvalidTimeRange, "to must be after from.", "to");
        }

        if (end - start > MaxRange)
        {
            return DomainError.Validation("to", "A report covers at most 400 days.");
        }

        var calendar = state.Account.CycleCalendar;
        var (startDate, endDate) = (calendar.LocalDateOf(start), calendar.LocalDateOf(end));
        var alignedToDays = state.Account.TimeZone.StartOfDay(startDate) == start && state.Account.TimeZone.StartOfDay(endDate) == end;
        var usage = alignedToDays
            ? await db.UsageBuckets.Where(b => b.LocalDate >= startDate && b.LocalDate < endDate)
                .GroupBy(b => b.WorkspaceId)
                .Select(g => new { WorkspaceId = g.Key, Seconds = g.Sum(b => b.BilledSeconds), Calls = g.Sum(b => b.Calls) })
                .ToDictionaryAsync(u => u.WorkspaceId, u => (u.Seconds, u.Calls), cancellationToken)
            : await db.Calls.Where(c => c.EndedAt != null && c.StartedAt >= start && c.StartedAt < end)
                .GroupBy(c => c.WorkspaceId)
                .Select(g => new { WorkspaceId = g.Key, Seconds = g.Sum(c => c.BillableSeconds!.Value), Calls = (long)g.Count() })
                .ToDictionaryAsync(u => u.WorkspaceId, u => (u.Seconds, u.Calls), cancellationToken);

        var workspaces = await db.Workspaces.AsNoTracking().ToListAsync(cancellationToken);
        var shown = workspaces.Where(w => w.ArchivedAt == null || usage.ContainsKey(w.Id)).OrderBy(w => w.Name, StringComparer.OrdinalIgnoreCase).ThenBy(w => w.Id).ToList();
        var plan = state.Plans.PlanFor(calendar.PeriodContaining(start));
        var shares = CostSplit.Split(plan.PriceAmount, shown.Select(w => (w.Id.ToString(), usage.GetValueOrDefault(w.Id).Seconds)).ToList());
        var rows = shown.Select(w =>
        {
            var (seconds, calls) = usage.GetValueOrDefault(w.Id);
            var holds = state.Account.DistributionEnabled && w.ArchivedAt == null && w.AllocationMinutes is not null;
            return new UsageReportRow(w.Id, w.Name, w.UserId, calls, seconds, w.AllocationMinutes,
                holds ? StatementRules.Overage(w.AllocationMinutes!.Value * 60L, seconds) : 0, shares[w.Id.ToString()]);
        }).ToList();
        var tags = withProjectTags ? await ProjectTagsAsync(start, end, plan.PriceAmount, cancellationToken) : [];
        return new UsageReportResult(start, end, plan.Currency, plan.PriceAmount, rows.Sum(r => r.BillableSeconds), rows.Sum(r => r.Calls), rows, tags);
    }

    /// <summary>
    /// The same calls by project tag (tags are on calls, not in the daily buckets, so this always reads calls).
    /// The price is split across tags by the same rule as across workspaces, so the tag column sums to the price
    /// as well; untagged calls are their own line.
    /// </summary>
    private async Task<IReadOnlyList<ProjectTagRow>> ProjectTagsAsync(DateTimeOffset start, DateTimeOffset end, decimal price, CancellationToken cancellationToken)
    {
        var usage = await db.Calls.Where(c => c.EndedAt != null && c.StartedAt >= start && c.StartedAt < end)
            .GroupBy(c => c.ProjectTag)
            .Select(g => new { Tag = g.Key, Seconds = g.Sum(c => c.BillableSeconds!.Value), Calls = (long)g.Count() })
            .ToListAsync(cancellationToken);
        var ordered = usage.OrderBy(u => u.Tag is null).ThenBy(u => u.Tag, StringComparer.OrdinalIgnoreCase).ThenBy(u => u.Tag, StringComparer.Ordinal).ToList();
        var shares = CostSplit.Split(price, ordered.Select((u, i) => (i, u.Seconds)).ToList());
        return ordered.Select((u, i) => new ProjectTagRow(u.Tag, u.Calls, u.Seconds, shares[i])).ToList();
    }
}
