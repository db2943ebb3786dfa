namespace MinutePool.Core.Billing;

/// <summary>
/// Billed seconds of one workspace on one account-local day. Periods start at local midnight, so any
/// period's usage is a sum of whole days: balances never scan calls. The key has a slot (chosen from the call
/// id) so that concurrent writers of one busy workspace could be spread over several rows; readers sum every slot.
/// </summary>
public sealed class UsageBucket
{
    /// <summary>
    /// One slot: with group commit (the default on PostgreSQL) one batch of ends per process is at the database at a
    /// time, so concurrent ends of a workspace no longer queue on its row, while every balance read and call start sums
    /// a row per slot (with 4 slots, 4 times the rows: the benchmark measured the unallocated pool's sum over 25
    /// workspaces and 10 days at 1.7 ms). Rows written under another count stay valid: readers sum all slots.
    /// </summary>
    public const int SlotCount = 1;

    public Guid AccountId { get; set; }

    public Guid WorkspaceId { get; set; }

    public DateOnly LocalDate { get; set; }

    public short Slot { get; set; }

    public long BilledSeconds { get; set; }

    /// <summary>Finished calls, counted or not.</summary>
    public long Calls { get; set; }

    /// <summary>A stable slot for a call id: <see cref="Hash"/> modulo <see cref="SlotCount"/>.</summary>
    public static short SlotFor(string callId) => (short)(Hash(callId) % SlotCount);

    /// <summary>32-bit FNV-1a over the call id's UTF-16 code units (string.GetHashCode differs between processes).</summary>
    public static uint Hash(string callId)
    {
        var hash = 2166136261u;
        foreach (var c in callId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
