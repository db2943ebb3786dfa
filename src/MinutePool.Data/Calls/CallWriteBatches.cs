using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Data.Billing;
using MinutePool.Data.Infrastructure;
using MinutePool.Data.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace MinutePool.Data.Calls;

/// <summary>
/// PostgreSQL: the two writes of the live call API, call-start inserts and call-end charges, committed in groups
/// (<see cref="GroupCommit{TItem,TKey,TResult}"/>). Each batch is one statement over arrays: exactly what
/// <see cref="CallLedger"/>'s single-call statements do, for many calls at once. A batch holds calls of many
/// accounts, each written for the tenant its request authenticated as.
/// </summary>
public sealed class CallWriteBatches : IAsyncDisposable
{
    private readonly NpgsqlDataSource _source;

    public CallWriteBatches(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(DatabaseOptions.Tuned(connectionString));
        // Under row-level security the batch connections act across accounts: every row they write names the
        // account of the request that handed it in (and was authenticated for it). Their generic plans come with every
        // app connection (DatabaseOptions.Tuned): left to choose, PostgreSQL rated its plans for the short unnest()
        // arrays of a small batch cheaper than the generic one and planned the end statement on every execution.
        builder.UsePhysicalConnectionInitializer(
            connection =>
            {
                using var command = AcrossAccounts(connection);
                command.ExecuteNonQuery();
            },
            async connection =>
            {
                await using var command = AcrossAccounts(connection);
                await command.ExecuteNonQueryAsync();
            });
        _source = builder.Build();
        Starts = new GroupCommit<CallStart, (Guid, string), StartWritten>(s => (s.Call.AccountId, s.Call.CallId), InsertStartsAsync);
        Ends = new GroupCommit<CallEnd, (Guid, string), bool>(e => (e.AccountId, e.CallId), ChargeEndsAsync);
    }

    /// <summary>A started call's insert; inserted when the call id was new (not: it was started before, or a check failed).</summary>
    public GroupCommit<CallStart, (Guid, string), StartWritten> Starts { get; }

    /// <summary>A call's end and charge; true when this end ended it (false: it had ended already, nothing charged).</summary>
    public GroupCommit<CallEnd, (Guid, string), bool> Ends { get; }

    /// <summary>
    /// A call's end and charge, computed from a call that started at <paramref name="StartedAt"/>; with
    /// <paramref name="Check"/>, from a call, key and account state recalled rather than read, which the write checks.
    /// </summary>
    public readonly record struct CallEnd(
        Guid AccountId, string CallId, DateTimeOffset EndedAt, long DurationSeconds, long BillableSeconds, DateTimeOffset StartedAt, WriteTimeCheck? Check = null);

    /// <summary>
    /// A call start's insert; with <paramref name="Check"/>, of a start whose key, account state and workspace were recalled
    /// rather than read: the statement then sums the workspace's balance itself and inserts only while all of it holds.
    /// </summary>
    public readonly record struct CallStart(Call Call, StartCheck? Check = null);

    /// <summary>
    /// What a recalled start's insert checks: the key and account version (<paramref name="Write"/>), the workspace's
    /// fields the start's scopes were computed from (it is not archived and has no concurrent-call limit, or the start
    /// would not be recalled), and that every scope has time left by sums of <paramref name="Dates"/> taken in the statement:
    /// the own scope's total (the workspace's allocation or the unallocated pool; null when only the account limits the
    /// workspace) and the account's. <c>maxUsageSeconds</c> is then the least time left, as <see cref="CallStartPolicy"/> has it.
    /// </summary>
    public sealed record StartCheck(
        WriteTimeCheck Write, int? ResetDay, int? AllocationMinutes, BalanceSumDates Dates, long? OwnTotalSeconds, long AccountTotalSeconds);

    /// <summary>
    /// Whether a start's insert wrote the call; for a checked start also the two sums it checked (the own figure and the
    /// account's, as <see cref="PreloadedBalanceSums"/>) and the <c>maxUsageSeconds</c> it stored.
    /// </summary>
    public readonly record struct StartWritten(bool Inserted, long OwnSeconds = 0, long AccountSeconds = 0, long MaxUsageSeconds = 0);

    public async ValueTask DisposeAsync()
    {
        await Starts.DisposeAsync();
        await Ends.DisposeAsync();
        await _source.DisposeAsync();
    }

    private async Task<IReadOnlyList<StartWritten>> InsertStartsAsync(IReadOnlyList<CallStart> starts)
    {
        await using var connection = await _source.OpenConnectionAsync();
        return await InsertStartsAsync(connection, starts);
    }

    /// <summary>
    /// Inserts the started calls in one statement on <paramref name="connection"/>; for each, whether it was inserted. Also
    /// CallLedger's statement for a lone recalled start when group commit is off.
    /// </summary>
    internal static async Task<IReadOnlyList<StartWritten>> InsertStartsAsync(NpgsqlConnection connection, IReadOnlyList<CallStart> starts)
    {
        // Rows in key order: a concurrent importer of the same ids (also in id order) waits instead of deadlocking. A start
        // with a key prefix was recalled, not read (StartCheck): it is inserted only while the key is its account's and not
        // revoked, the account is at the version its state was remembered at, the workspace still has the fields its scopes
        // were computed from, and each scope has time left by the sums taken here, the same two the API key's query takes
        // for a start it reads (AccountStateReader). The sums are materialised once per row (an inlined CTE would evaluate
        // them at each use); the checks are scalar subqueries by primary key, as in the end's statement below.
        await using var command = new NpgsqlCommand(
            """
            WITH input AS MATERIALIZED (
                SELECT t.*,
                       CASE WHEN t.key_prefix IS NOT NULL THEN
                           (SELECT coalesce(sum(u.billed_seconds), 0)::bigint FROM usage_buckets AS u
                            WHERE u.account_id = t.account_id AND u.workspace_id = t.workspace_id AND u.local_date >= t.own_start AND u.local_date < t.own_end)
                         + (SELECT coalesce(sum(d.pool_billed_seconds), 0)::bigint FROM account_usage_days AS d
                            WHERE d.account_id = t.account_id AND d.local_date >= t.pool_start AND d.local_date < t.pool_end)
                       END AS own_used,
                       CASE WHEN t.key_prefix IS NOT NULL THEN
                           (SELECT coalesce(sum(d.billed_seconds), 0)::bigint FROM account_usage_days AS d
                            WHERE d.account_id = t.account_id AND d.local_date >= t.account_start AND d.local_date < t.account_end)
                       END AS account_used
                FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
                     AS t(account_id, call_id, workspace_id, started_at, local_date, project_tag, max_usage_seconds, recorded_at,
                          key_prefix, account_version, reset_day, allocation_minutes,
                          own_start, own_end, pool_start, pool_end, account_start, account_end, own_total, account_total)),
            checked AS (
                SELECT i.*, CASE WHEN i.key_prefix IS NULL THEN i.max_usage_seconds
                                 ELSE greatest(0, least(i.own_total - i.own_used, i.account_total - i.account_used)) END AS max_usage
                FROM input AS i
                WHERE i.key_prefix IS NULL
                   OR ((SELECT k.account_id = i.account_id AND k.revoked_at IS NULL FROM api_keys AS k WHERE k.prefix = i.key_prefix)
                       AND (SELECT a.version = i.account_version FROM accounts AS a WHERE a.id = i.account_id)
                       AND (SELECT w.archived_at IS NULL AND w.concurrent_call_limit IS NULL AND w.reset_day IS NOT DISTINCT FROM i.reset_day
                                   AND w.allocation_minutes IS NOT DISTINCT FROM i.allocation_minutes
                            FROM workspaces AS w WHERE w.account_id = i.account_id AND w.id = i.workspace_id)
                       AND (i.own_total IS NULL OR i.own_total > i.own_used) AND i.account_total > i.account_used)),
            inserted AS (
                INSERT INTO calls (account_id, call_id, workspace_id, started_at, local_date, project_tag, max_usage_seconds, source, recorded_at)
                SELECT c.account_id, c.call_id, c.workspace_id, c.started_at, c.local_date, c.project_tag, c.max_usage, $21, c.recorded_at
                FROM checked AS c
                ORDER BY c.account_id, c.call_id
                ON CONFLICT (account_id, call_id) DO NOTHING
                RETURNING account_id, call_id, max_usage_seconds)
            SELECT n.account_id, n.call_id, n.max_usage_seconds, c.own_used, c.account_used
            FROM inserted AS n JOIN checked AS c ON c.account_id = n.account_id AND c.call_id = n.call_id
            """,
            connection);
        var calls = starts.Select(s => s.Call).ToList();
        var dates = starts.Select(s => s.Check?.Dates ?? BalanceSumDates.None).ToList();
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.AccountId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.CallId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.WorkspaceId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.StartedAt.UtcDateTime).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.LocalDate).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = calls.Select(c => c.ProjectTag).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.MaxUsageSeconds).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.RecordedAt.UtcDateTime).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = starts.Select(s => s.Check?.Write.KeyPrefix).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = starts.Select(s => s.Check?.Write.AccountVersion ?? 0).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = starts.Select(s => s.Check?.ResetDay).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer, Value = starts.Select(s => s.Check?.AllocationMinutes).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = dates.Select(d => d.WorkspaceStart).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = dates.Select(d => d.WorkspaceEnd).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = dates.Select(d => d.PoolStart).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = dates.Select(d => d.PoolEnd).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = dates.Select(d => d.AccountStart).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = dates.Select(d => d.AccountEnd).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint, Value = starts.Select(s => s.Check?.OwnTotalSeconds).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = starts.Select(s => s.Check?.AccountTotalSeconds ?? 0).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = nameof(CallSource.Live) });

        var written = new Dictionary<(Guid, string), StartWritten>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                written[(reader.GetGuid(0), reader.GetString(1))] = new StartWritten(
                    true, reader.IsDBNull(3) ? 0 : reader.GetInt64(3), reader.IsDBNull(4) ? 0 : reader.GetInt64(4), reader.GetInt64(2));
            }
        }

        return calls.Select(c => written.GetValueOrDefault((c.AccountId, c.CallId))).ToList();
    }

    private async Task<IReadOnlyList<bool>> ChargeEndsAsync(IReadOnlyList<CallEnd> ends)
    {
        await using var connection = await _source.OpenConnectionAsync();
        return await ChargeEndsAsync(connection, ends);
    }

    /// <summary>
    /// Ends and charges the calls in one statement on <paramref name="connection"/> (in its transaction, if any); true
    /// for each call this statement ended. Also CallLedger's statement for a lone end when group commit is off.
    /// </summary>
    internal static async Task<IReadOnlyList<bool>> ChargeEndsAsync(NpgsqlConnection connection, IReadOnlyList<CallEnd> ends)
    {
        // A bucket gains only what the UPDATE ended (a call already ended adds nothing), both land or neither, the
        // buckets are summed per key (one upsert may touch a row once) and taken in key order (no deadlock with
        // importers, which write buckets in the same order). "ended_at IS NULL" keeps the running-calls index out of
        // the plan (RunningCalls). A call with a key prefix was recalled, not read, with its key and its account's state
        // (WriteTimeCheck): it is ended only while the key is its account's and not revoked, the account is at the version
        // its state was remembered at, and the row still has the start it was charged from. Scalar subqueries by primary
        // key, in the input's filter: evaluated once per call (as EXISTS under the OR, PostgreSQL hashed whole tables, and
        // in the UPDATE's filter it evaluated them twice); EXPLAIN ANALYZE put them at about 0.02 ms a call.
        await using var command = new NpgsqlCommand(
            $"""
            WITH input AS (
                SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    AS t(account_id, call_id, ended_at, duration_seconds, billable_seconds, slot, started_at, key_prefix, account_version)
                WHERE t.key_prefix IS NULL
                   OR ((SELECT k.account_id = t.account_id AND k.revoked_at IS NULL FROM api_keys AS k WHERE k.prefix = t.key_prefix)
                       AND (SELECT a.version = t.account_version FROM accounts AS a WHERE a.id = t.account_id))
                ORDER BY t.account_id, t.call_id),
            ended AS (
                UPDATE calls AS c SET ended_at = i.ended_at, duration_seconds = i.duration_seconds, billable_seconds = i.billable_seconds
                FROM input AS i
                WHERE c.account_id = i.account_id AND c.call_id = i.call_id AND c.ended_at IS NULL
                  AND (i.key_prefix IS NULL OR c.started_at = i.started_at)
                RETURNING c.account_id, c.call_id, c.workspace_id, c.local_date, i.slot, i.billable_seconds),
            charged AS (
                INSERT INTO usage_buckets (account_id, workspace_id, local_date, slot, billed_seconds, calls)
                SELECT e.account_id, e.workspace_id, e.local_date, e.slot, sum(e.billable_seconds), count(*)
                FROM ended AS e
                GROUP BY e.account_id, e.workspace_id, e.local_date, e.slot
                ORDER BY e.account_id, e.workspace_id, e.local_date, e.slot
                {UsageWriter.AddOnConflict})
            SELECT account_id, call_id FROM ended
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = ends.Select(e => e.AccountId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = ends.Select(e => e.CallId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = ends.Select(e => e.EndedAt.UtcDateTime).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = ends.Select(e => e.DurationSeconds).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = ends.Select(e => e.BillableSeconds).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = ends.Select(e => UsageBucket.SlotFor(e.CallId)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = ends.Select(e => e.StartedAt.UtcDateTime).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = ends.Select(e => e.Check?.KeyPrefix).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = ends.Select(e => e.Check?.AccountVersion ?? 0).ToArray() });
        var charged = await KeysAsync(command);
        return ends.Select(e => charged.Contains((e.AccountId, e.CallId))).ToList();
    }

    /// <summary>Runs the statement (one round trip, its own commit) and answers the (account, call id) rows it returned.</summary>
    private static async Task<HashSet<(Guid, string)>> KeysAsync(NpgsqlCommand command)
    {
        var keys = new HashSet<(Guid, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            keys.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return keys;
    }

    private static NpgsqlCommand AcrossAccounts(NpgsqlConnection connection) =>
        new($"SELECT set_config('{RowLevelSecurity.AllAccountsSetting}', 'on', false)", connection);
}
