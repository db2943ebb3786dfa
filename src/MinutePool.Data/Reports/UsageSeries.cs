using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;
using MinutePool.Data.Accounts;

namespace MinutePool.Data.Reports;

/// <summary>Billable seconds of one workspace on one account-local day.</summary>
public sealed record DailyUsage(Guid WorkspaceId, DateOnly Date, long Seconds);

/// <summary>Billable seconds of one workspace in one billing cycle.</summary>
public sealed record CycleUsage(Period Cycle, Guid WorkspaceId, long Seconds);

/// <summary>The cycles compared, oldest first, and the usage in them (workspaces with none have no row).</summary>
public sealed record CycleComparison(IReadOnlyList<Period> Cycles, IReadOnlyList<CycleUsage> Usage);

/// <summary>
/// Usage over time for the finance charts, read from the daily usage buckets (one row per workspace and
/// local day), so a chart never scans calls and its bars add up to the report's numbers for the same days.
/// </summary>
public sealed class UsageSeries(MinutePoolDbContext db, TimeProvider clock)
{
    /// <summary>How many cycles the cycle-over-cycle chart compares, the current one included.</summary>
    public const int CyclesCompared = 6;

    /// <summary>Per workspace and day, for the local days <paramref name="start"/> (inclusive) to <paramref name="end"/> (exclusive).</summary>
    public Task<List<DailyUsage>> DailyAsync(DateOnly start, DateOnly end, CancellationToken cancellationToken = default) =>
        db.UsageBuckets.AsNoTracking()
            .Where(b => b.LocalDate >= start && b.LocalDate < end)
            .GroupBy(b => new { b.WorkspaceId, b.LocalDate })
            .Select(g => new DailyUsage(g.Key.WorkspaceId, g.Key.LocalDate, g.Sum(b => b.BilledSeconds)))
            .ToListAsync(cancellationToken);

    /// <summary>Per workspace in each of the last <see cref="CyclesCompared"/> billing cycles, oldest first (the current one last).</summary>
    public async Task<CycleComparison> CyclesAsync(CancellationToken cancellationToken = default)
    {
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return new CycleComparison([], []);
        }

        var cycles = state.Account.CycleCalendar.Recent(clock.GetUtcNow(), CyclesCompared).Reverse().ToList();

        var (first, last) = (cycles[0].StartDate, cycles[^1].EndDate);
        var days = await DailyAsync(first, last, cancellationToken);
        var usage = cycles
            .SelectMany(cycle => days.Where(d => cycle.ContainsDate(d.Date))
                .GroupBy(d => d.WorkspaceId)
                .Select(g => new CycleUsage(cycle, g.Key, g.Sum(d => d.Seconds))))
            .ToList();
        return new CycleComparison(cycles, usage);
    }
}
