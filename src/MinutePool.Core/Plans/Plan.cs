namespace MinutePool.Core.Plans;

/// <summary>A plan of the catalogue: how many minutes a billing cycle holds and how calls are counted.</summary>
public sealed class Plan
{
    public const int DefaultBillingIncrementSeconds = 1;
    public const int DefaultMinimumBillableSeconds = 30;
    public const int DefaultMaxCallLengthSeconds = 4 * 60 * 60;

    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>The stable code integrators use, e.g. <c>team-6000</c>.</summary>
    public string Code { get; set; } = "";

    public string Name { get; set; } = "";

    public int MinutesPerCycle { get; set; }

    public decimal PriceAmount { get; set; }

    /// <summary>ISO 4217 code, upper case.</summary>
    public string Currency { get; set; } = "USD";

    /// <summary>1, 6 or 60: billable time is rounded up to a multiple of this.</summary>
    public int BillingIncrementSeconds { get; set; } = DefaultBillingIncrementSeconds;

    /// <summary>A call counts only if it lasts longer than this.</summary>
    public int MinimumBillableSeconds { get; set; } = DefaultMinimumBillableSeconds;

    /// <summary>Default concurrent-call limit given to new workspaces; null is unlimited.</summary>
    public int? ConcurrentCallLimit { get; set; }

    /// <summary>A call with no end and no heartbeat for this long is closed by the stale-call job.</summary>
    public int MaxCallLengthSeconds { get; set; } = DefaultMaxCallLengthSeconds;

    public DateTimeOffset CreatedAt { get; set; }

    public long SecondsPerCycle => MinutesPerCycle * 60L;
}
