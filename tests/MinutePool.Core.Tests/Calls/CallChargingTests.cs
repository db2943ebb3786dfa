using FluentAssertions;
using MinutePool.Core.Calls;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Calls;

/// <summary>DESIGN.md, "Counting a call".</summary>
public sealed class CallChargingTests
{
    [Theory]
    [InlineData(30, 30, 1, 0)]    // not longer than the minimum: free
    [InlineData(31, 30, 1, 31)]
    [InlineData(31, 30, 60, 60)]
    [InlineData(60, 30, 60, 60)]
    [InlineData(61, 30, 60, 120)]
    [InlineData(31, 30, 6, 36)]
    [InlineData(36, 30, 6, 36)]
    [InlineData(37, 30, 6, 42)]
    [InlineData(0, 0, 1, 0)]      // minimum 0: an instant call is still free
    [InlineData(1, 0, 1, 1)]
    [InlineData(1, 0, 60, 60)]
    [InlineData(3600, 30, 60, 3600)]
    [InlineData(3601, 30, 60, 3660)]
    public void Billable_seconds(int durationSeconds, int minimumBillableSeconds, int incrementSeconds, int expectedBillable)
    {
        var charge = CallCharging.Charge(durationSeconds, minimumBillableSeconds, incrementSeconds);

        charge.DurationSeconds.Should().Be(durationSeconds);
        charge.BillableSeconds.Should().Be(expectedBillable);
    }

    [Fact]
    public void A_30_second_call_costs_nothing_and_a_31_second_call_counts()
    {
        var plan = Plan("p", 6000); // defaults: minimum 30 s, increment 1 s
        var start = Utc(2027, 6, 15, 9);

        CallCharging.Charge(start, start.AddSeconds(30), plan).Should().Be(new CallCharge(30, 0));
        CallCharging.Charge(start, start.AddSeconds(31), plan).Should().Be(new CallCharge(31, 31));
    }

    [Fact]
    public void Fractions_of_a_second_are_dropped()
    {
        var plan = Plan("p", 6000);
        var start = Utc(2027, 6, 15, 9);

        CallCharging.Charge(start, start.AddMilliseconds(30_900), plan).Should().Be(new CallCharge(30, 0));
        CallCharging.Charge(start, start.AddMilliseconds(31_999), plan).Should().Be(new CallCharge(31, 31));
        CallCharging.DurationSeconds(start, start.AddTicks(TimeSpan.TicksPerSecond - 1)).Should().Be(0);
    }

    [Fact]
    public void The_plan_increment_and_minimum_are_used()
    {
        var perMinute = Plan("p60", 6000, billingIncrementSeconds: 60);
        var sixSeconds = Plan("p6", 6000, billingIncrementSeconds: 6, minimumBillableSeconds: 0);
        var start = Utc(2027, 6, 15, 9);

        CallCharging.Charge(start, start.AddSeconds(61), perMinute).BillableSeconds.Should().Be(120);
        CallCharging.Charge(start, start.AddSeconds(31), perMinute).BillableSeconds.Should().Be(60);
        CallCharging.Charge(start, start.AddSeconds(1), sixSeconds).BillableSeconds.Should().Be(6);
        CallCharging.Charge(start, start, sixSeconds).BillableSeconds.Should().Be(0);
    }

    [Fact]
    public void Duration_is_measured_between_instants_whatever_their_offsets()
    {
        var start = new DateTimeOffset(2027, 6, 15, 11, 0, 0, TimeSpan.FromHours(2)); // 09:00 UTC
        var end = Utc(2027, 6, 15, 9, 1, 30);

        CallCharging.DurationSeconds(start, end).Should().Be(90);
    }

    [Fact]
    public void An_end_before_the_start_throws()
    {
        var start = Utc(2027, 6, 15, 9);

        var act = () => CallCharging.Charge(start, start.AddSeconds(-1), Plan("p", 6000));

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be("endedAt");
    }

    [Fact]
    public void A_negative_duration_or_an_increment_below_1_throws()
    {
        var negative = () => CallCharging.Charge(-1, 30, 1);
        var zeroIncrement = () => CallCharging.Charge(60, 30, 0);

        negative.Should().Throw<ArgumentOutOfRangeException>();
        zeroIncrement.Should().Throw<ArgumentOutOfRangeException>();
    }
}
