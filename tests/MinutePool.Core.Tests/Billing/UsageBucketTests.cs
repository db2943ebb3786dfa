using FluentAssertions;
using MinutePool.Core.Billing;
using Xunit;

namespace MinutePool.Core.Tests.Billing;

public sealed class UsageBucketTests
{
    // Expected slots computed independently: 32-bit FNV-1a over the UTF-16 code units, modulo 4.
    [Theory]
    [InlineData("", 1)]
    [InlineData("a", 0)]
    [InlineData("b", 1)]
    [InlineData("c", 2)]
    [InlineData("call-1", 3)]
    [InlineData("call-2", 2)]
    [InlineData("call-3", 1)]
    [InlineData("call-4", 0)]
    [InlineData("0190abcd", 3)]
    [InlineData("é", 0)]
    public void Slot_is_a_stable_FNV_1a_hash_of_the_call_id(string callId, int expectedSlot)
    {
        ((int)UsageBucket.SlotFor(callId)).Should().Be(expectedSlot);
    }

    [Fact]
    public void Slots_stay_in_range_and_spread_over_all_of_them()
    {
        var slots = Enumerable.Range(0, 1000).Select(i => UsageBucket.SlotFor($"call-{i}")).ToList();

        slots.Should().OnlyContain(s => s >= 0 && s < UsageBucket.SlotCount);
        slots.Distinct().Should().HaveCount(UsageBucket.SlotCount);
    }
}
