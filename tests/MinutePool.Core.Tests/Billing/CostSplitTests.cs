using FluentAssertions;
using MinutePool.Core.Billing;
using Xunit;

namespace MinutePool.Core.Tests.Billing;

/// <summary>Cost shares add up to the price to the cent, by a stated rule (largest remainder).</summary>
public sealed class CostSplitTests
{
    [Fact]
    public void Three_equal_users_of_100_dollars_get_33_34_33_33_33_and_the_total_is_exact()
    {
        var shares = CostSplit.Split(100.00m, [("a", 60L), ("b", 60L), ("c", 60L)]);

        shares.Values.Sum().Should().Be(100.00m);
        shares.Should().Equal(new Dictionary<string, decimal> { ["a"] = 33.34m, ["b"] = 33.33m, ["c"] = 33.33m });
    }

    [Fact]
    public void Shares_follow_billable_seconds_and_parts_without_usage_get_nothing()
    {
        var shares = CostSplit.Split(399.00m, [("big", 3_000L), ("small", 1_000L), ("idle", 0L)]);

        shares["big"].Should().Be(299.25m);
        shares["small"].Should().Be(99.75m);
        shares["idle"].Should().Be(0m);
    }

    [Fact]
    public void Leftover_cents_go_to_the_largest_remainders()
    {
        // 10.00 over 1:1:1:1:1:1:1 → 1.428571… each: 7 × 1.42 = 9.94, six cents left for the first six keys (equal remainders, equal usage).
        var parts = Enumerable.Range(1, 7).Select(i => ($"k{i}", 10L)).ToList();

        var shares = CostSplit.Split(10.00m, parts);

        shares.Values.Sum().Should().Be(10.00m);
        shares.Values.Count(v => v == 1.43m).Should().Be(6);
        shares["k7"].Should().Be(1.42m);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(899.99)]
    [InlineData(123456.78)]
    public void Any_price_over_uneven_usage_adds_up_exactly(double price)
    {
        var random = new Random(7);
        var parts = Enumerable.Range(0, 37).Select(i => ($"w{i:D2}", (long)random.Next(0, 50_000))).ToList();

        CostSplit.Split((decimal)price, parts).Values.Sum().Should().Be((decimal)price);
    }

    [Fact]
    public void With_no_usage_nothing_is_split()
    {
        CostSplit.Split(50m, [("a", 0L), ("b", 0L)]).Values.Should().OnlyContain(v => v == 0m);
    }
}
