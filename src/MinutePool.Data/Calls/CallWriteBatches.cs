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
        Starts = new GroupCommit<Call, (Guid, string), bool>(c => (c.AccountId, c.CallId), InsertStartsAsync);
        Ends = new GroupCommit<CallEnd, (Guid, string), bool>(e => (e.AccountId, e.CallId), ChargeEndsAsync);
    }

    /// <summary>A started call's insert; true when the call id was new (false: it was started before).</summary>
    public GroupCommit<Call, (Guid, string), bool> Starts { get; }

    /// <summary>A call's end and charge; true when this end ended it (false: it had ended already, nothing charged).</summary>
    public GroupCommit<CallEnd, (Guid, string), bool> Ends { get; }

    /// <summary>
    /// A call's end and charge, computed from a call that started at <paramref name="StartedAt"/>; with
    /// <paramref name="Check"/>, from a call, key and account state recalled rather than read, which the write checks.
    /// </summary>
    public readonly record struct CallEnd(
        Guid AccountId, string CallId, DateTimeOffset EndedAt, long DurationSeconds, long BillableSeconds, DateTimeOffset StartedAt, WriteTimeCheck? Check = null);

    public async ValueTask DisposeAsync()
    {
        await Starts.DisposeAsync();
        await Ends.DisposeAsync();
        await _source.DisposeAsync();
    }

    private async Task<IReadOnlyList<bool>> InsertStartsAsync(IReadOnlyList<Call> calls)
    {
        // Rows in key order: a concurrent importer of the same ids (also in id order) waits instead of deadlocking.
        await using var command = _source.CreateCommand(
            """
            INSERT INTO calls (account_id, call_id, workspace_id, started_at, local_date, project_tag, max_usage_seconds, source, recorded_at)
            SELECT t.account_id, t.call_id, t.workspace_id, t.started_at, t.local_date, t.project_tag, t.max_usage_seconds, $9, t.recorded_at
            FROM unnest($1, $2, $3, $4, $5, $6, $7, $8)
                 AS t(account_id, call_id, workspace_id, started_at, local_date, project_tag, max_usage_seconds, recorded_at)
            ORDER BY t.account_id, t.call_id
            ON CONFLICT (account_id, call_id) DO NOTHING
            RETURNING account_id, call_id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.AccountId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.CallId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.WorkspaceId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.StartedAt.UtcDateTime).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.LocalDate).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = calls.Select(c => c.ProjectTag).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.MaxUsageSeconds).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = calls.Select(c => c.RecordedAt.UtcDateTime).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = nameof(CallSource.Live) });
        var written = await KeysAsync(command);
        return calls.Select(c => written.Contains((c.AccountId, c.CallId))).ToList();
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
