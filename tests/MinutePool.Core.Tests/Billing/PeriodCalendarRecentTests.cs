using FluentAssertions;
using MinutePool.Core.Billing;
using Xunit;

namespace MinutePool.Core.Tests.Billing;

public sealed class PeriodCalendarRecentTests
{
    [Fact]
    public void Recent_lists_the_current_period_and_the_ones_before_it_newest_first_with_month_end_clamping()
    {
        var calendar = new PeriodCalendar(AccountTimeZone.Parse("UTC"), 31);

        var periods = calendar.Recent(new DateTimeOffset(2026, 3, 15, 0, 0, 0, TimeSpan.Zero), 3);

        periods.Select(p => (p.StartDate, p.EndDate)).Should().Equal(
            (new DateOnly(2026, 2, 28), new DateOnly(2026, 3, 31)),
            (new DateOnly(2026, 1, 31), new DateOnly(2026, 2, 28)),
            (new DateOnly(2025, 12, 31), new DateOnly(2026, 1, 31)));
    }

    [Fact]
    public void The_start_of_a_local_day_is_its_midnight_in_the_zone() =>
        AccountTimeZone.Parse("America/New_York").StartOfDay(new DateOnly(2026, 11, 23))
            .Should().Be(new DateTimeOffset(2026, 11, 23, 5, 0, 0, TimeSpan.Zero));
}
