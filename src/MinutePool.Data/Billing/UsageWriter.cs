using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;

namespace MinutePool.Data.Billing;

/// <summary>
/// Adds billed seconds to usage buckets with one atomic upsert per bucket (valid SQL on PostgreSQL and
/// SQLite), inside the caller's transaction, so a bucket always equals the sum of its calls.
/// </summary>
public static class UsageWriter
{
    public readonly record struct BucketKey(Guid WorkspaceId, DateOnly LocalDate, short Slot);

    public static async Task AddAsync(MinutePoolDbContext db, Guid accountId, IEnumerable<KeyValuePair<BucketKey, (long Seconds, long Calls)>> deltas, CancellationToken cancellationToken = default)
    {
        // A fixed order keeps concurrent writers from locking the same buckets in opposite orders.
        foreach (var (key, delta) in deltas.OrderBy(d => d.Key.WorkspaceId).ThenBy(d => d.Key.LocalDate).ThenBy(d => d.Key.Slot))
        {
            await db.Database.ExecuteSqlAsync(
                $"""
                INSERT INTO usage_buckets (account_id, workspace_id, local_date, slot, billed_seconds, calls)
                VALUES ({accountId}, {key.WorkspaceId}, {key.LocalDate}, {key.Slot}, {delta.Seconds}, {delta.Calls})
                ON CONFLICT (account_id, workspace_id, local_date, slot)
                DO UPDATE SET billed_seconds = usage_buckets.billed_seconds + excluded.billed_seconds,
                              calls = usage_buckets.calls + excluded.calls
                """,
                cancellationToken);
        }
    }

    public static Task AddAsync(MinutePoolDbContext db, Guid accountId, Guid workspaceId, DateOnly localDate, string callId, long billedSeconds, CancellationToken cancellationToken = default) =>
        AddAsync(db, accountId, [new(new BucketKey(workspaceId, localDate, UsageBucket.SlotFor(callId)), (billedSeconds, 1))], cancellationToken);
}
