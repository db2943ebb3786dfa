namespace MinutePool.Core.Billing;

/// <summary>
/// A half-open span of time [Start, End) that starts and ends at local midnight of an account's
/// time zone. <see cref="StartDate"/> and <see cref="EndDate"/> are those local dates, so usage kept
/// per local day can be summed for the period without looking at individual calls.
/// </summary>
public readonly record struct Period(DateTimeOffset Start, DateTimeOffset End, DateOnly StartDate, DateOnly EndDate)
{
    public bool Contains(DateTimeOffset instant) => instant >= Start && instant < End;

    public bool ContainsDate(DateOnly localDate) => localDate >= StartDate && localDate < EndDate;
}
