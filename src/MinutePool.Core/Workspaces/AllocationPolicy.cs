using MinutePool.Core.Common;

namespace MinutePool.Core.Workspaces;

/// <summary>The allocation rules of DESIGN.md ("One pool, or minutes distributed to workspaces").</summary>
public static class AllocationPolicy
{
    public const int MaxAllocationMinutes = 100_000_000;

    /// <summary>
    /// Checks a workspace's new allocation against the plan. <paramref name="planMinutes"/> is the smaller
    /// of the current plan and any pending one, so a scheduled downgrade stays valid.
    /// <paramref name="otherAllocatedMinutes"/> sums the other active workspaces' allocations.
    /// </summary>
    public static DomainError? Check(int? newAllocationMinutes, int planMinutes, long otherAllocatedMinutes, bool distributionEnabled)
    {
        if (newAllocationMinutes is null)
        {
            return null;
        }

        if (newAllocationMinutes is < 0 or > MaxAllocationMinutes)
        {
            return DomainError.Validation("allocationMinutes", $"An allocation is 0 to {MaxAllocationMinutes:N0} whole minutes.");
        }

        if (!distributionEnabled)
        {
            return new DomainError(
                ErrorCodes.DistributionDisabled,
                "Turn minute distribution on before giving workspaces allocations.",
                "allocationMinutes");
        }

        var free = Math.Max(0, planMinutes - otherAllocatedMinutes);
        if (newAllocationMinutes > free)
        {
            return new DomainError(
                    ErrorCodes.AllocationExceedsBalance,
                    $"Only {free:N0} minutes are still free to allocate.",
                    "allocationMinutes")
                .With("remainingAllocatableMinutes", free);
        }

        return null;
    }

    /// <summary>Minutes still free to allocate; never below zero.</summary>
    public static long Unallocated(int planMinutes, long allocatedMinutes) => Math.Max(0, planMinutes - allocatedMinutes);

    public static DomainError? CheckResetDay(int? resetDay) =>
        resetDay is null or (>= 1 and <= 31) ? null : DomainError.Validation("resetDay", "A reset day is 1 to 31.");

    public static DomainError? CheckConcurrentCallLimit(int? limit) =>
        limit is null or (>= 1 and <= 100_000) ? null : DomainError.Validation("concurrentCallLimit", "A concurrent-call limit is 1 to 100,000, or null for unlimited.");

    public static DomainError? CheckName(string? name) =>
        DisplayName.IsValid(name) ? null : DomainError.Validation("name", "A name is 1 to 200 printable characters.");
}
