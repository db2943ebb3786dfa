using FluentAssertions;
using MinutePool.Core.Billing;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Billing;

/// <summary>DESIGN.md, "Plans and billing cycles": periods start at local midnight on an anchor day, clamped to short months.</summary>
public sealed class PeriodCalendarTests
{
    private static void ShouldBe(Period period, DateOnly startDate, DateOnly endDate, DateTimeOffset start, DateTimeOffset end)
    {
        period.StartDate.Should().Be(startDate);
        period.EndDate.Should().Be(endDate);
        period.Start.Should().Be(start);
        period.End.Should().Be(end);
    }

    [Fact]
    public void Billing_day_31_runs_through_February_of_a_leap_year_and_keeps_its_anchor()
    {
        var calendar = Calendar("UTC", 31);

        var january = calendar.PeriodContaining(Utc(2028, 2, 10, 9, 30));
        ShouldBe(january, new DateOnly(2028, 1, 31), new DateOnly(2028, 2, 29), Utc(2028, 1, 31), Utc(2028, 2, 29));

        var february = calendar.Next(january);
        ShouldBe(february, new DateOnly(2028, 2, 29), new DateOnly(2028, 3, 31), Utc(2028, 2, 29), Utc(2028, 3, 31));

        var march = calendar.Next(february);
        ShouldBe(march, new DateOnly(2028, 3, 31), new DateOnly(2028, 4, 30), Utc(2028, 3, 31), Utc(2028, 4, 30));

        var april = calendar.Next(march);
        ShouldBe(april, new DateOnly(2028, 4, 30), new DateOnly(2028, 5, 31), Utc(2028, 4, 30), Utc(2028, 5, 31));
    }

    [Fact]
    public void Billing_day_31_clamps_to_February_28_in_a_common_year()
    {
        var calendar = Calendar("UTC", 31);

        var period = calendar.PeriodContaining(Utc(2027, 2, 15));
        ShouldBe(period, new DateOnly(2027, 1, 31), new DateOnly(2027, 2, 28), Utc(2027, 1, 31), Utc(2027, 2, 28));

        var next = calendar.Next(period);
        ShouldBe(next, new DateOnly(2027, 2, 28), new DateOnly(2027, 3, 31), Utc(2027, 2, 28), Utc(2027, 3, 31));
        (next.End - next.Start).TotalDays.Should().Be(31);
    }

    [Theory]
    [InlineData("2028-02-28T23:59:59Z", "2028-01-31", "2028-02-29")]
    [InlineData("2028-02-29T00:00:00Z", "2028-02-29", "2028-03-31")]
    [InlineData("2028-03-30T12:00:00Z", "2028-02-29", "2028-03-31")]
    [InlineData("2028-03-31T00:00:00Z", "2028-03-31", "2028-04-30")]
    [InlineData("2028-04-30T00:00:00Z", "2028-04-30", "2028-05-31")]
    [InlineData("2028-05-30T23:59:59Z", "2028-04-30", "2028-05-31")]
    [InlineData("2027-03-30T00:00:00Z", "2027-02-28", "2027-03-31")]
    public void Billing_day_31_period_containing_an_instant(string instant, string startDate, string endDate)
    {
        var period = Calendar("UTC", 31).PeriodContaining(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture));

        period.StartDate.Should().Be(DateOnly.Parse(startDate, System.Globalization.CultureInfo.InvariantCulture));
        period.EndDate.Should().Be(DateOnly.Parse(endDate, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Billing_day_30_is_clamped_in_February_but_returns_to_30_in_March()
    {
        var calendar = Calendar("UTC", 30);

        var february = calendar.PeriodContaining(Utc(2027, 3, 1));
        february.StartDate.Should().Be(new DateOnly(2027, 2, 28));
        february.EndDate.Should().Be(new DateOnly(2027, 3, 30));
        calendar.Previous(february).StartDate.Should().Be(new DateOnly(2027, 1, 30));
    }

    [Theory]
    [InlineData(31, 2027, 2, 28)]
    [InlineData(30, 2027, 2, 28)]
    [InlineData(29, 2027, 2, 28)]
    [InlineData(29, 2028, 2, 29)]
    [InlineData(31, 2028, 2, 29)]
    [InlineData(31, 2027, 4, 30)]
    [InlineData(31, 2027, 5, 31)]
    [InlineData(28, 2027, 2, 28)]
    [InlineData(1, 2027, 2, 1)]
    public void Anchor_day_is_clamped_to_the_month(int anchorDay, int year, int month, int expectedDay)
    {
        Calendar("UTC", anchorDay).AnchorDateIn(year, month).Should().Be(new DateOnly(year, month, expectedDay));
    }

    [Fact]
    public void Billing_day_5_and_workspace_reset_day_20_have_their_own_periods()
    {
        // Both in the account's zone (Berlin, summer time +02:00): local midnight is 22:00 UTC the day before.
        var cycles = Calendar("Europe/Berlin", 5);
        var resets = Calendar("Europe/Berlin", 20);

        var cycle = cycles.PeriodContaining(Now);
        ShouldBe(cycle, new DateOnly(2027, 6, 5), new DateOnly(2027, 7, 5), Utc(2027, 6, 4, 22), Utc(2027, 7, 4, 22));

        var workspacePeriod = resets.PeriodContaining(Now);
        ShouldBe(workspacePeriod, new DateOnly(2027, 5, 20), new DateOnly(2027, 6, 20), Utc(2027, 5, 19, 22), Utc(2027, 6, 19, 22));

        // Later in June: same cycle, next workspace period.
        var lateJune = Utc(2027, 6, 25, 8);
        cycles.PeriodContaining(lateJune).Should().Be(cycle);
        resets.PeriodContaining(lateJune).Should().Be(resets.Next(workspacePeriod));
        resets.PeriodContaining(lateJune).StartDate.Should().Be(new DateOnly(2027, 6, 20));
        resets.PeriodContaining(lateJune).EndDate.Should().Be(new DateOnly(2027, 7, 20));

        // Early June: previous cycle, same workspace period.
        var earlyJune = Utc(2027, 6, 3, 8);
        cycles.PeriodContaining(earlyJune).StartDate.Should().Be(new DateOnly(2027, 5, 5));
        cycles.PeriodContaining(earlyJune).EndDate.Should().Be(new DateOnly(2027, 6, 5));
        resets.PeriodContaining(earlyJune).Should().Be(workspacePeriod);
    }

    [Fact]
    public void A_call_one_second_before_the_reset_is_in_the_old_period_and_at_the_reset_in_the_new_one()
    {
        var calendar = Calendar("Europe/Berlin", 5);
        var reset = Utc(2027, 6, 4, 22); // 2027-06-05 00:00 in Berlin

        var before = calendar.PeriodContaining(reset.AddSeconds(-1));
        var at = calendar.PeriodContaining(reset);

        before.StartDate.Should().Be(new DateOnly(2027, 5, 5));
        before.End.Should().Be(reset);
        before.Contains(reset.AddSeconds(-1)).Should().BeTrue();
        before.Contains(reset).Should().BeFalse();
        at.StartDate.Should().Be(new DateOnly(2027, 6, 5));
        at.Start.Should().Be(reset);
        at.Contains(reset).Should().BeTrue();
    }

    [Fact]
    public void A_cycle_across_the_spring_change_in_New_York_starts_at_local_midnight_and_lasts_743_hours()
    {
        var calendar = Calendar("America/New_York", 1);

        var march = calendar.PeriodContaining(Utc(2027, 3, 20));

        march.Start.Should().Be(Utc(2027, 3, 1, 5));  // 00:00 EST (-05:00)
        march.End.Should().Be(Utc(2027, 4, 1, 4));    // 00:00 EDT (-04:00)
        (march.End - march.Start).TotalHours.Should().Be(743);
        AccountTimeZone.Parse("America/New_York").ToLocal(march.End).Should().BeExactly(new DateTimeOffset(2027, 4, 1, 0, 0, 0, TimeSpan.FromHours(-4)));
    }

    [Fact]
    public void A_cycle_across_the_autumn_change_in_New_York_lasts_721_hours()
    {
        var november = Calendar("America/New_York", 1).PeriodContaining(Utc(2027, 11, 20));

        november.Start.Should().Be(Utc(2027, 11, 1, 4)); // 00:00 EDT
        november.End.Should().Be(Utc(2027, 12, 1, 5));   // 00:00 EST
        (november.End - november.Start).TotalHours.Should().Be(721);
    }

    [Fact]
    public void Cycles_across_the_changes_in_Berlin_start_at_local_midnight_and_last_743_and_745_hours()
    {
        var calendar = Calendar("Europe/Berlin", 1);

        var march = calendar.PeriodContaining(Utc(2027, 3, 15));
        march.Start.Should().Be(Utc(2027, 2, 28, 23)); // 00:00 CET (+01:00)
        march.End.Should().Be(Utc(2027, 3, 31, 22));   // 00:00 CEST (+02:00)
        (march.End - march.Start).TotalHours.Should().Be(743);

        var october = calendar.PeriodContaining(Utc(2027, 10, 15));
        october.Start.Should().Be(Utc(2027, 9, 30, 22)); // 00:00 CEST
        october.End.Should().Be(Utc(2027, 10, 31, 23));  // 00:00 CET
        (october.End - october.Start).TotalHours.Should().Be(745);
    }

    [Fact]
    public void Where_daylight_saving_skips_midnight_the_period_starts_at_01_00_local()
    {
        // Santiago: on 2024-09-08 clocks jumped from 00:00 (-04:00) to 01:00 (-03:00).
        var zone = AccountTimeZone.Parse("America/Santiago");
        var calendar = new PeriodCalendar(zone, 8);

        var september = calendar.PeriodContaining(Utc(2024, 9, 20));

        september.StartDate.Should().Be(new DateOnly(2024, 9, 8));
        september.Start.Should().Be(Utc(2024, 9, 8, 4));
        zone.ToLocal(september.Start).Should().BeExactly(new DateTimeOffset(2024, 9, 8, 1, 0, 0, TimeSpan.FromHours(-3)));

        var august = calendar.Previous(september);
        august.Start.Should().Be(Utc(2024, 8, 8, 4)); // a normal midnight at -04:00
        august.End.Should().Be(september.Start);
        (august.End - august.Start).TotalHours.Should().Be(31 * 24);

        // 23:59:59 on the 7th, local -04:00, is still the old period.
        calendar.PeriodContaining(Utc(2024, 9, 8, 3, 59, 59)).Should().Be(august);
        calendar.PeriodContaining(Utc(2024, 9, 8, 4)).Should().Be(september);
    }

    [Theory]
    [InlineData("Asia/Beirut", 28, 2027, 3, "2027-03-27T22:00:00Z", 3)]   // 00:00 → 01:00 (+03:00)
    [InlineData("America/Havana", 10, 2024, 3, "2024-03-10T05:00:00Z", -4)] // 00:00 → 01:00 (-04:00)
    public void Other_zones_that_skip_midnight_start_the_period_at_01_00(string zoneId, int anchorDay, int year, int month, string expectedStart, int offsetHours)
    {
        var zone = AccountTimeZone.Parse(zoneId);
        var calendar = new PeriodCalendar(zone, anchorDay);

        var period = calendar.PeriodContaining(new DateTimeOffset(year, month, anchorDay, 12, 0, 0, TimeSpan.Zero));

        period.Start.Should().Be(DateTimeOffset.Parse(expectedStart, System.Globalization.CultureInfo.InvariantCulture));
        zone.ToLocal(period.Start).Should().BeExactly(new DateTimeOffset(year, month, anchorDay, 1, 0, 0, TimeSpan.FromHours(offsetHours)));
    }

    [Fact]
    public void Where_midnight_occurs_twice_the_period_starts_at_the_earlier_one()
    {
        // Havana, 2024-11-03: clocks went back from 01:00 (-04:00) to 00:00 (-05:00), so midnight came at 04:00 and 05:00 UTC.
        var calendar = Calendar("America/Havana", 3);
        var period = calendar.PeriodContaining(Utc(2024, 11, 20));

        period.Start.Should().Be(Utc(2024, 11, 3, 4));
        period.End.Should().Be(Utc(2024, 12, 3, 5)); // -05:00 by then
        (period.End - period.Start).TotalHours.Should().Be(721);
        calendar.PeriodContaining(Utc(2024, 11, 3, 3, 59, 59)).StartDate.Should().Be(new DateOnly(2024, 10, 3));
        calendar.PeriodContaining(Utc(2024, 11, 3, 4, 30)).Should().Be(period);
    }

    [Fact]
    public void Next_and_previous_are_adjacent_and_inverse()
    {
        var calendar = Calendar("Europe/Berlin", 31);
        var current = calendar.PeriodContaining(Utc(2027, 2, 10));

        var next = calendar.Next(current);
        var previous = calendar.Previous(current);

        next.Start.Should().Be(current.End);
        previous.End.Should().Be(current.Start);
        calendar.Previous(next).Should().Be(current);
        calendar.Next(previous).Should().Be(current);
        previous.StartDate.Should().Be(new DateOnly(2026, 12, 31));
        current.StartDate.Should().Be(new DateOnly(2027, 1, 31));
        next.StartDate.Should().Be(new DateOnly(2027, 2, 28));
        calendar.Next(next).StartDate.Should().Be(new DateOnly(2027, 3, 31));
    }

    [Fact]
    public void Twelve_cycles_after_January_31_reach_the_next_January_31()
    {
        var calendar = Calendar("UTC", 31);
        var period = calendar.PeriodContaining(Utc(2027, 1, 31));
        var starts = new List<DateOnly>();
        for (var i = 0; i < 12; i++)
        {
            period = calendar.Next(period);
            starts.Add(period.StartDate);
        }

        starts.Select(d => d.Day).Should().Equal(28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31);
        starts[^1].Should().Be(new DateOnly(2028, 1, 31));
    }

    [Fact]
    public void Periods_follow_the_anchor_not_the_calendar_month()
    {
        var period = Calendar("UTC", 15).PeriodContaining(Utc(2027, 12, 31, 23, 59, 59));

        period.StartDate.Should().Be(new DateOnly(2027, 12, 15));
        period.EndDate.Should().Be(new DateOnly(2028, 1, 15));
    }

    [Fact]
    public void The_local_date_decides_the_period_not_the_UTC_date()
    {
        // 2027-06-04 23:30 UTC is already 5 June in Berlin (+02:00) but still 4 June in New York.
        var instant = Utc(2027, 6, 4, 23, 30);

        Calendar("Europe/Berlin", 5).PeriodContaining(instant).StartDate.Should().Be(new DateOnly(2027, 6, 5));
        Calendar("America/New_York", 5).PeriodContaining(instant).StartDate.Should().Be(new DateOnly(2027, 5, 5));
        Calendar("Europe/Berlin", 5).LocalDateOf(instant).Should().Be(new DateOnly(2027, 6, 5));
    }

    [Fact]
    public void Period_dates_match_the_local_days_they_cover()
    {
        var period = Calendar("Europe/Berlin", 5).PeriodContaining(Now);

        period.ContainsDate(new DateOnly(2027, 6, 5)).Should().BeTrue();
        period.ContainsDate(new DateOnly(2027, 7, 4)).Should().BeTrue();
        period.ContainsDate(new DateOnly(2027, 7, 5)).Should().BeFalse();
        period.ContainsDate(new DateOnly(2027, 6, 4)).Should().BeFalse();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    [InlineData(-1)]
    public void An_anchor_day_outside_1_to_31_is_rejected(int anchorDay)
    {
        var act = () => new PeriodCalendar(AccountTimeZone.Parse("UTC"), anchorDay);

        act.Should().Throw<ArgumentOutOfRangeException>().Which.ParamName.Should().Be("anchorDay");
    }
}
