using FluentAssertions;
using MinutePool.Core.Billing;
using Xunit;

namespace MinutePool.Core.Tests.Billing;

public sealed class UsageBucketTests
{
    // Expected hashes computed independently: 32-bit FNV-1a over the UTF-16 code units.
    [Theory]
    [InlineData("", 2166136261u)]
    [InlineData("a", 3826002220u)]
    [InlineData("call-1", 3107884871u)]
    [InlineData("call-4", 3023996776u)]
    [InlineData("0190abcd", 1587707427u)]
    [InlineData("é", 1812687940u)]
    public void A_call_ids_slot_comes_from_a_stable_FNV_1a_hash(string callId, uint expectedHash)
    {
        UsageBucket.Hash(callId).Should().Be(expectedHash);
        ((int)UsageBucket.SlotFor(callId)).Should().Be((int)(expectedHash % UsageBucket.SlotCount));
    }

    [Fact]
    public void Slots_stay_in_range_and_spread_over_all_of_them()
    {
        var slots = Enumerable.Range(0, 1000).Select(i => UsageBucket.SlotFor($"call-{i}")).ToList();

        slots.Should().OnlyContain(s => s >= 0 && s < UsageBucket.SlotCount);
        slots.Distinct().Should().HaveCount(UsageBucket.SlotCount);
    }
}
