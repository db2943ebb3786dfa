using FluentAssertions;
using MinutePool.Core.Billing;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Billing;

public sealed class AccountTimeZoneTests
{
    [Theory]
    [InlineData("Europe/Berlin", "Europe/Berlin")]
    [InlineData("America/New_York", "America/New_York")]
    [InlineData("  Asia/Tokyo ", "Asia/Tokyo")]
    [InlineData("UTC", "UTC")]
    public void Parses_IANA_ids(string input, string expectedId)
    {
        AccountTimeZone.TryParse(input, out var zone).Should().BeTrue();
        zone!.Id.Should().Be(expectedId);
        AccountTimeZone.Parse(input).Id.Should().Be(expectedId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("Eastern Standard Time")]
    public void Rejects_unknown_ids(string? input)
    {
        AccountTimeZone.TryParse(input, out var zone).Should().BeFalse();
        zone.Should().BeNull();
    }

    [Fact]
    public void Parse_throws_on_an_unknown_id()
    {
        var act = () => AccountTimeZone.Parse("Mars/Olympus_Mons");

        act.Should().Throw<ArgumentException>().WithMessage("*Mars/Olympus_Mons*");
    }

    [Fact]
    public void Day_of_month_is_the_local_day()
    {
        var berlin = AccountTimeZone.Parse("Europe/Berlin");

        berlin.DayOfMonth(Utc(2027, 6, 30, 21, 59, 59)).Should().Be(30);
        berlin.DayOfMonth(Utc(2027, 6, 30, 22)).Should().Be(1);
    }

    [Fact]
    public void A_local_time_in_a_spring_gap_moves_forward()
    {
        // Berlin, 2027-03-28: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist and becomes 03:30 CEST.
        AccountTimeZone.Parse("Europe/Berlin").ToInstant(new DateTime(2027, 3, 28, 2, 30, 0, DateTimeKind.Unspecified))
            .Should().Be(Utc(2027, 3, 28, 1, 30));
    }

    [Fact]
    public void A_local_time_in_an_autumn_overlap_takes_the_earlier_instant()
    {
        // Berlin, 2027-10-31: 02:30 happens at +02:00 and again at +01:00.
        var instant = AccountTimeZone.Parse("Europe/Berlin").ToInstant(new DateTime(2027, 10, 31, 2, 30, 0, DateTimeKind.Unspecified));

        instant.Should().Be(Utc(2027, 10, 31, 0, 30));
        instant.Offset.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void ToLocal_carries_the_zone_offset()
    {
        AccountTimeZone.Parse("America/New_York").ToLocal(Utc(2027, 1, 15, 12))
            .Should().BeExactly(new DateTimeOffset(2027, 1, 15, 7, 0, 0, TimeSpan.FromHours(-5)));
    }

    [Fact]
    public void An_account_cycle_calendar_uses_its_zone_and_billing_day()
    {
        var account = Account("America/New_York", billingDay: 10);

        var cycle = account.CycleCalendar.PeriodContaining(Now);

        account.CycleCalendar.AnchorDay.Should().Be(10);
        cycle.Start.Should().Be(Utc(2027, 6, 10, 4)); // 00:00 EDT
        cycle.End.Should().Be(Utc(2027, 7, 10, 4));
        State(account, Plan("p", 100)).CycleAt(Now).Should().Be(cycle);
    }
}
