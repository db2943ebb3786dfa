using NodaTime;

namespace MinutePool.Core.Billing;

/// <summary>
/// Periods that start at 00:00 local time on an anchor day of each month (an account's billing day or
/// a workspace's reset day). A day that a month lacks is clamped to the month's last day, and the
/// anchor is kept for later months: anchor 31 gives Jan 31, Feb 28/29, Mar 31, Apr 30…
/// Periods follow the anchor, never the calendar month.
/// </summary>
public sealed class PeriodCalendar
{
    private readonly DateTimeZone _zone;

    public PeriodCalendar(AccountTimeZone timeZone, int anchorDay)
    {
        if (anchorDay is < 1 or > 31)
        {
            throw new ArgumentOutOfRangeException(nameof(anchorDay), anchorDay, "An anchor day is 1 to 31.");
        }

        _zone = timeZone.Zone;
        AnchorDay = anchorDay;
    }

    public int AnchorDay { get; }

    /// <summary>The period that contains <paramref name="instant"/>.</summary>
    public Period PeriodContaining(DateTimeOffset instant)
    {
        var localDate = LocalDateOf(instant);
        var start = AnchorDateIn(localDate.Year, localDate.Month);
        if (localDate < start)
        {
            var previous = new DateOnly(localDate.Year, localDate.Month, 1).AddMonths(-1);
            start = AnchorDateIn(previous.Year, previous.Month);
        }

        return PeriodStartingOn(start);
    }

    /// <summary>The period that follows <paramref name="period"/>.</summary>
    public Period Next(Period period) => PeriodStartingOn(period.EndDate);

    /// <summary>The period that precedes <paramref name="period"/>.</summary>
    public Period Previous(Period period) => PeriodContaining(period.Start.AddTicks(-1));

    /// <summary>The period containing <paramref name="instant"/> and the <paramref name="count"/> − 1 before it, newest first.</summary>
    public IReadOnlyList<Period> Recent(DateTimeOffset instant, int count)
    {
        var periods = new List<Period>(count) { PeriodContaining(instant) };
        while (periods.Count < count)
        {
            periods.Add(Previous(periods[^1]));
        }

        return periods;
    }

    /// <summary>The local calendar date of an instant in this calendar's time zone.</summary>
    public DateOnly LocalDateOf(DateTimeOffset instant)
    {
        var date = Instant.FromDateTimeOffset(instant).InZone(_zone).Date;
        return new DateOnly(date.Year, date.Month, date.Day);
    }

    /// <summary>The anchor day clamped to the length of the given month.</summary>
    public DateOnly AnchorDateIn(int year, int month) =>
        new(year, month, Math.Min(AnchorDay, DateTime.DaysInMonth(year, month)));

    private Period PeriodStartingOn(DateOnly start)
    {
        var following = new DateOnly(start.Year, start.Month, 1).AddMonths(1);
        var end = AnchorDateIn(following.Year, following.Month);
        return new Period(StartOfDay(start), StartOfDay(end), start, end);
    }

    /// <summary>
    /// The first instant of a local date. Where a daylight-saving change skips midnight, the day starts
    /// at the first local time that exists; where midnight occurs twice, at the earlier one.
    /// </summary>
    private DateTimeOffset StartOfDay(DateOnly date) =>
        new LocalDate(date.Year, date.Month, date.Day).AtStartOfDayInZone(_zone).ToInstant().ToDateTimeOffset();
}
