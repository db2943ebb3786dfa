using MinutePool.Core.Billing;

namespace MinutePool.Core.Accounts;

/// <summary>A customer (tenant). Its plan history is kept in <see cref="AccountPlanChange"/> rows.</summary>
public sealed class Account
{
    public Guid Id { get; set; } = Guid.CreateVersion7();

    public string Name { get; set; } = "";

    /// <summary>IANA zone id. Fixed after creation: usage is kept per local day of this zone.</summary>
    public string TimeZoneId { get; set; } = "UTC";

    /// <summary>1–31: cycles start at 00:00 local time on this day (clamped to short months).</summary>
    public int BillingDay { get; set; } = 1;

    /// <summary>Off: one pool for every workspace. On: workspace allocations are enforced.</summary>
    public bool DistributionEnabled { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Usage thresholds that notify, in percent, comma-separated (default 80 and 100).</summary>
    public string ThresholdPercents { get; set; } = "80,100";

    /// <summary>Where notifications are posted as signed JSON; null for none.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>The HMAC-SHA256 key for webhook signatures; shown to the owner once, never logged.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>
    /// Bumped by the database in the transaction of every change to the account's state (this row, its plan changes, the
    /// allocations its workspaces hold, its plans' terms): writers that must not interleave serialise on this row, and a
    /// process that remembers a state by its version knows when it is stale.
    /// </summary>
    public long Version { get; set; }

    public AccountTimeZone TimeZone => AccountTimeZone.Parse(TimeZoneId);

    public PeriodCalendar CycleCalendar => new(TimeZone, BillingDay);
}

/// <summary>From <see cref="EffectiveAt"/> on, the account is on plan <see cref="PlanId"/>.</summary>
public sealed class AccountPlanChange
{
    public Guid AccountId { get; set; }

    public DateTimeOffset EffectiveAt { get; set; }

    public Guid PlanId { get; set; }

    public DateTimeOffset RequestedAt { get; set; }
}
