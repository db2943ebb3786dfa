using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;

namespace MinutePool.Data.Billing;

/// <summary>
/// Adds billed seconds to usage buckets with one atomic upsert per bucket (valid SQL on PostgreSQL and
/// SQLite), inside the caller's transaction, so a bucket always equals the sum of its calls.
/// </summary>
public static class UsageWriter
{
    /// <summary>The upsert's tail: a bucket that exists gains the new seconds and calls.</summary>
    public const string AddOnConflict = """
        ON CONFLICT (account_id, workspace_id, local_date, slot)
        DO UPDATE SET billed_seconds = usage_buckets.billed_seconds + excluded.billed_seconds,
                      calls = usage_buckets.calls + excluded.calls
        """;

    public readonly record struct BucketKey(Guid WorkspaceId, DateOnly LocalDate, short Slot);

    public static async Task AddAsync(MinutePoolDbContext db, Guid accountId, IEnumerable<KeyValuePair<BucketKey, (long Seconds, long Calls)>> deltas, CancellationToken cancellationToken = default)
    {
        // A fixed order keeps concurrent writers from locking the same buckets in opposite orders.
        var ordered = deltas.OrderBy(d => d.Key.WorkspaceId).ThenBy(d => d.Key.LocalDate).ThenBy(d => d.Key.Slot).ToList();
        if (ordered.Count > 1 && db.IsPostgres)
        {
            await AddAllAtOnceAsync(db, accountId, ordered, cancellationToken);
            return;
        }

        foreach (var (key, delta) in ordered)
        {
            await db.Database.ExecuteSqlRawAsync(
                $$"""
                INSERT INTO usage_buckets (account_id, workspace_id, local_date, slot, billed_seconds, calls)
                VALUES ({0}, {1}, {2}, {3}, {4}, {5})
                {{AddOnConflict}}
                """,
                [accountId, key.WorkspaceId, key.LocalDate, key.Slot, delta.Seconds, delta.Calls],
                cancellationToken);
        }
    }

    public static Task AddAsync(MinutePoolDbContext db, Guid accountId, Guid workspaceId, DateOnly localDate, string callId, long billedSeconds, CancellationToken cancellationToken = default) =>
        AddAsync(db, accountId, [new(new BucketKey(workspaceId, localDate, UsageBucket.SlotFor(callId)), (billedSeconds, 1))], cancellationToken);

    /// <summary>PostgreSQL: every bucket of a batch in one upsert, rows taken in the same fixed order (keys are distinct).</summary>
    private static Task AddAllAtOnceAsync(MinutePoolDbContext db, Guid accountId, List<KeyValuePair<BucketKey, (long Seconds, long Calls)>> ordered, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(
            $"""
            INSERT INTO usage_buckets (account_id, workspace_id, local_date, slot, billed_seconds, calls)
            SELECT @account, t.workspace_id, t.local_date, t.slot, t.seconds, t.calls
            FROM unnest(@workspaces, @dates, @slots, @seconds, @calls) WITH ORDINALITY AS t(workspace_id, local_date, slot, seconds, calls, n)
            ORDER BY t.n
            {AddOnConflict}
            """,
            [
                new Npgsql.NpgsqlParameter("account", accountId),
                new Npgsql.NpgsqlParameter("workspaces", ordered.Select(d => d.Key.WorkspaceId).ToArray()),
                new Npgsql.NpgsqlParameter("dates", ordered.Select(d => d.Key.LocalDate).ToArray()),
                new Npgsql.NpgsqlParameter("slots", ordered.Select(d => d.Key.Slot).ToArray()),
                new Npgsql.NpgsqlParameter("seconds", ordered.Select(d => d.Value.Seconds).ToArray()),
                new Npgsql.NpgsqlParameter("calls", ordered.Select(d => d.Value.Calls).ToArray()),
            ],
            cancellationToken);
}
