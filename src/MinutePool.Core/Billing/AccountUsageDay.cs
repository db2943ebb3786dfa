namespace MinutePool.Core.Billing;

/// <summary>
/// Billed seconds of a whole account on one account-local day and slot: the sum of that day's
/// <see cref="UsageBucket"/>s of every workspace with the same slot. An account's cycle balance is read on
/// every call start and balance read; summed from the buckets it costs a row per workspace, day and slot (1,500
/// rows for 50 workspaces over a month), from these a row per day and slot (30). The database keeps them (triggers on
/// the buckets, see the AccountUsageDays migration), so no writer can forget them and they always equal their
/// buckets; nothing in the application writes them.
/// </summary>
public sealed class AccountUsageDay
{
    public Guid AccountId { get; set; }

    public DateOnly LocalDate { get; set; }

    /// <summary>The slot of the buckets summed here (see <see cref="UsageBucket.SlotCount"/>).</summary>
    public short Slot { get; set; }

    public long BilledSeconds { get; set; }

    /// <summary>
    /// The part of <see cref="BilledSeconds"/> billed to workspaces that draw on the account's unallocated pool: those
    /// with no allocation, or archived (the complement of the workspaces <c>AccountState.Allocated</c> sums). A
    /// distributing account's pool balance is the sum of these over its cycle, a row per day and slot, where it was
    /// the account's days less every allocation-holding workspace's buckets. The database moves a workspace's
    /// history in or out of it when the workspace gains or loses its allocation or is archived or restored (see the
    /// PoolUsageDays migration).
    /// </summary>
    public long PoolBilledSeconds { get; set; }

    /// <summary>Finished calls, counted or not.</summary>
    public long Calls { get; set; }
}
