using MinutePool.Core.Plans;

namespace MinutePool.Core.Calls;

/// <summary>The seconds a finished call costs.</summary>
public readonly record struct CallCharge(long DurationSeconds, long BillableSeconds);

/// <summary>How a call is counted (DESIGN.md, "Counting a call").</summary>
public static class CallCharging
{
    /// <summary>
    /// Duration is whole seconds (fractions dropped). A call counts only if it lasts longer than the
    /// plan's minimum billable seconds; then it is rounded up to the plan's billing increment.
    /// </summary>
    public static CallCharge Charge(DateTimeOffset startedAt, DateTimeOffset endedAt, Plan plan) =>
        Charge(DurationSeconds(startedAt, endedAt), plan.MinimumBillableSeconds, plan.BillingIncrementSeconds);

    public static CallCharge Charge(long durationSeconds, int minimumBillableSeconds, int billingIncrementSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(durationSeconds);
        ArgumentOutOfRangeException.ThrowIfLessThan(billingIncrementSeconds, 1);
        if (durationSeconds <= minimumBillableSeconds)
        {
            return new CallCharge(durationSeconds, 0);
        }

        var increments = (durationSeconds + billingIncrementSeconds - 1) / billingIncrementSeconds;
        return new CallCharge(durationSeconds, increments * billingIncrementSeconds);
    }

    public static long DurationSeconds(DateTimeOffset startedAt, DateTimeOffset endedAt)
    {
        if (endedAt < startedAt)
        {
            throw new ArgumentException("A call cannot end before it starts.", nameof(endedAt));
        }

        return (endedAt - startedAt).Ticks / TimeSpan.TicksPerSecond;
    }
}
