using System.Globalization;
using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;

namespace MinutePool.Web.Ui;

/// <summary>
/// What a finance page reports on, read from its query string: a billing cycle (<c>cycle</c> = any local
/// date inside it; the current cycle when nothing is given) or a range of local dates (<c>from</c>, <c>to</c>,
/// both inclusive, as people say "Nov 1 to Nov 30"). Dates are the account's, so a range is whole local days
/// and the report is summed from the daily buckets.
/// </summary>
public sealed record ReportRange(DateOnly FirstDay, DateOnly LastDay, DateTimeOffset From, DateTimeOffset To, Period? Cycle)
{
    /// <summary>The query string that selects this range again (for links and CSV downloads).</summary>
    public string Query => Cycle is { } cycle
        ? $"cycle={Iso(cycle.StartDate)}"
        : $"from={Iso(FirstDay)}&to={Iso(LastDay)}";

    /// <summary>The drill-down's filter for the same days.</summary>
    public string DaysQuery => $"from={Iso(FirstDay)}&to={Iso(LastDay)}";

    public static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Reads the range, or answers what is wrong with it in words for the page.</summary>
    public static (ReportRange? Range, string? Problem) Read(Account account, DateTimeOffset now, string? cycle, string? from, string? to)
    {
        var calendar = account.CycleCalendar;
        if (!string.IsNullOrWhiteSpace(from) || !string.IsNullOrWhiteSpace(to))
        {
            if (!TryDate(from, out var first) || !TryDate(to, out var last))
            {
                return (null, "Enter both dates of the range as dates (yyyy-mm-dd).");
            }

            if (last < first)
            {
                return (null, "The range ends before it starts.");
            }

            if (last.DayNumber - first.DayNumber >= 400)
            {
                return (null, "A report covers at most 400 days.");
            }

            var zone = account.TimeZone;
            var range = new ReportRange(first, last, zone.StartOfDay(first), zone.StartOfDay(last.AddDays(1)), null);
            return (range, null);
        }

        Period period;
        if (string.IsNullOrWhiteSpace(cycle))
        {
            period = calendar.PeriodContaining(now);
        }
        else if (TryDate(cycle, out var inCycle))
        {
            period = calendar.PeriodContaining(account.TimeZone.ToInstant(inCycle.ToDateTime(new TimeOnly(12, 0))));
        }
        else
        {
            return (null, "The cycle is given by a date inside it (yyyy-mm-dd).");
        }

        return (new ReportRange(period.StartDate, period.EndDate.AddDays(-1), period.Start, period.End, period), null);
    }

    /// <summary>The current cycle and the ones before it, newest first, for a cycle picker.</summary>
    public static IReadOnlyList<Period> RecentCycles(Account account, DateTimeOffset now, int count) => account.CycleCalendar.Recent(now, count);

    /// <summary>A local date as the finance pages write it: yyyy-mm-dd, nothing else.</summary>
    public static bool TryDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
}
