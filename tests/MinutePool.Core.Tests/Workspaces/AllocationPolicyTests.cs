using FluentAssertions;
using MinutePool.Core.Common;
using MinutePool.Core.Workspaces;
using Xunit;

namespace MinutePool.Core.Tests.Workspaces;

/// <summary>DESIGN.md, "One pool, or minutes distributed to workspaces": allocations fit inside the plan.</summary>
public sealed class AllocationPolicyTests
{
    [Fact]
    public void An_allocation_beyond_the_free_minutes_is_refused_with_the_minutes_still_free()
    {
        var error = AllocationPolicy.Check(newAllocationMinutes: 2500, planMinutes: 6000, otherAllocatedMinutes: 4000, distributionEnabled: true);

        error.Should().NotBeNull();
        error!.Code.Should().Be(ErrorCodes.AllocationExceedsBalance);
        error.Field.Should().Be("allocationMinutes");
        error.Extensions["remainingAllocatableMinutes"].Should().Be(2000L);
    }

    [Fact]
    public void Exactly_the_free_minutes_are_accepted()
    {
        AllocationPolicy.Check(2000, 6000, 4000, distributionEnabled: true).Should().BeNull();
        AllocationPolicy.Check(6000, 6000, 0, distributionEnabled: true).Should().BeNull();
    }

    [Fact]
    public void One_minute_over_is_refused()
    {
        AllocationPolicy.Check(2001, 6000, 4000, distributionEnabled: true)!.Extensions["remainingAllocatableMinutes"].Should().Be(2000L);
        AllocationPolicy.Check(6001, 6000, 0, distributionEnabled: true)!.Code.Should().Be(ErrorCodes.AllocationExceedsBalance);
    }

    [Fact]
    public void When_others_already_exceed_the_plan_nothing_is_free()
    {
        var error = AllocationPolicy.Check(1, 6000, 7000, distributionEnabled: true);

        error!.Code.Should().Be(ErrorCodes.AllocationExceedsBalance);
        error.Extensions["remainingAllocatableMinutes"].Should().Be(0L);
        AllocationPolicy.Check(0, 6000, 7000, distributionEnabled: true).Should().BeNull();
    }

    [Fact]
    public void With_distribution_off_allocations_are_refused()
    {
        var error = AllocationPolicy.Check(100, 6000, 0, distributionEnabled: false);

        error!.Code.Should().Be(ErrorCodes.DistributionDisabled);
        error.Field.Should().Be("allocationMinutes");
    }

    [Fact]
    public void Clearing_an_allocation_is_always_allowed()
    {
        AllocationPolicy.Check(null, 6000, 9000, distributionEnabled: false).Should().BeNull();
        AllocationPolicy.Check(null, 6000, 9000, distributionEnabled: true).Should().BeNull();
    }

    [Theory]
    [InlineData(-1, true)]
    [InlineData(-1, false)]
    [InlineData(AllocationPolicy.MaxAllocationMinutes + 1, true)]
    public void Negative_or_huge_allocations_fail_validation(int minutes, bool distributionEnabled)
    {
        var error = AllocationPolicy.Check(minutes, AllocationPolicy.MaxAllocationMinutes, 0, distributionEnabled);

        error!.Code.Should().Be(ErrorCodes.ValidationFailed);
        error.Field.Should().Be("allocationMinutes");
    }

    [Theory]
    [InlineData(6000, 4000, 2000)]
    [InlineData(6000, 6000, 0)]
    [InlineData(6000, 7000, 0)]
    [InlineData(6000, 0, 6000)]
    public void Unallocated_minutes(int planMinutes, long allocatedMinutes, long expected)
    {
        AllocationPolicy.Unallocated(planMinutes, allocatedMinutes).Should().Be(expected);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(1, true)]
    [InlineData(31, true)]
    [InlineData(0, false)]
    [InlineData(32, false)]
    public void Reset_days_are_1_to_31(int? resetDay, bool valid)
    {
        var error = AllocationPolicy.CheckResetDay(resetDay);

        if (valid)
        {
            error.Should().BeNull();
        }
        else
        {
            error!.Field.Should().Be("resetDay");
        }
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(1, true)]
    [InlineData(100_000, true)]
    [InlineData(0, false)]
    [InlineData(100_001, false)]
    public void Concurrent_call_limits_are_1_to_100000_or_unlimited(int? limit, bool valid)
    {
        (AllocationPolicy.CheckConcurrentCallLimit(limit) is null).Should().Be(valid);
    }
}
