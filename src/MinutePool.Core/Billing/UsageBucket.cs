namespace MinutePool.Core.Billing;

/// <summary>
/// Billed seconds of one workspace on one account-local day. Periods start at local midnight, so any
/// period's usage is a sum of whole days: balances never scan calls. A day is split into
/// <see cref="SlotCount"/> slots (chosen from the call id) so that concurrent calls of one busy
/// workspace do not queue on a single row; readers sum the slots.
/// </summary>
public sealed class UsageBucket
{
    public const int SlotCount = 4;

    public Guid AccountId { get; set; }

    public Guid WorkspaceId { get; set; }

    public DateOnly LocalDate { get; set; }

    public short Slot { get; set; }

    public long BilledSeconds { get; set; }

    /// <summary>Finished calls, counted or not.</summary>
    public long Calls { get; set; }

    /// <summary>A stable slot for a call id (FNV-1a; string.GetHashCode differs between processes).</summary>
    public static short SlotFor(string callId)
    {
        var hash = 2166136261u;
        foreach (var c in callId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (short)(hash % SlotCount);
    }
}
