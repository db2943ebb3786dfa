using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Billing;
using MinutePool.Data;
using MinutePool.Data.Billing;
using MinutePool.Data.Infrastructure;
using MinutePool.Data.Tenancy;
using Npgsql;

namespace MinutePool.Benchmarks;

/// <summary>Direct database work: bulk data made with generate_series, the statement closer, pg_stat_statements.</summary>
public sealed class Database(string connectionString) : IAsyncDisposable
{
    private readonly NpgsqlDataSource source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 0 }.ConnectionString);

    public bool HasStatements { get; private set; }

    public ValueTask DisposeAsync() => source.DisposeAsync();

    public async Task<long> ExecAsync(string sql, params object[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = source.CreateCommand(sql);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), CultureInfo.InvariantCulture);
    }

    public async Task EnableStatementsAsync()
    {
        try
        {
            await ExecAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            await ExecAsync("SELECT pg_stat_statements_reset()");
            HasStatements = true;
        }
        catch (PostgresException e)
        {
            Console.Error.WriteLine($"[bench] pg_stat_statements unavailable ({e.MessageText}); round trips are not counted");
        }
    }

    /// <summary>
    /// Writes every dirty buffer out now (the tool connects as the cluster's superuser), so that a bulk phase's writes
    /// are not still being flushed, by PostgreSQL and the kernel, during the phase measured after it.
    /// </summary>
    public Task CheckpointAsync() => ExecAsync("CHECKPOINT");

    public async Task ResetStatementsAsync()
    {
        if (HasStatements)
        {
            await ExecAsync("SELECT pg_stat_statements_reset()");
        }
    }

    /// <summary>Statements executed since the last reset (the app's database only), and the heaviest ones.</summary>
    public async Task<StatementProfile?> StatementsAsync(long requests)
    {
        if (!HasStatements)
        {
            return null;
        }

        const string filter = "dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'";
        var total = await ScalarAsync<long>($"SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE {filter}");
        var top = new List<StatementLine>();
        await using var command = source.CreateCommand(
            $"SELECT calls, total_exec_time, mean_exec_time, regexp_replace(query, '\\s+', ' ', 'g'), plans, total_plan_time FROM pg_stat_statements WHERE {filter} ORDER BY total_exec_time DESC LIMIT 6");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var query = reader.GetString(3);
            top.Add(new StatementLine(reader.GetInt64(0), reader.GetDouble(1), reader.GetDouble(2), query.Length > 160 ? query[..160] + "…" : query, reader.GetInt64(4), reader.GetDouble(5)));
        }

        return new StatementProfile(total, requests, requests == 0 ? 0 : (double)total / requests, top);
    }

    /// <summary>Moves an account (and its plan history) back in time, so that its past cycles have ended.</summary>
    public async Task BackdateAccountAsync(Guid account, int days)
    {
        await ExecAsync($"UPDATE accounts SET created_at = created_at - interval '{days} days' WHERE id = $1", account);
        await ExecAsync(
            $"UPDATE account_plan_changes SET effective_at = effective_at - interval '{days} days', requested_at = requested_at - interval '{days} days' WHERE account_id = $1",
            account);
    }

    /// <summary>Inserts workspaces straight into the table (no passcode hashing), with their user-ID directory rows.</summary>
    public async Task InsertWorkspacesAsync(Guid account, int count, char userIdPrefix, int createdDaysAgo)
    {
        await ExecAsync(
            $"""
            INSERT INTO workspaces (account_id, id, name, kind, user_id, passcode_hash, allocation_minutes, reset_day, concurrent_call_limit, created_at, archived_at, version)
            SELECT $1, gen_random_uuid(), 'gen-' || lpad(i::text, 6, '0'), 'Client', '{userIdPrefix}' || lpad(i::text, 7, '0'), 'bench-no-passcode',
                   NULL, NULL, NULL, now() - interval '{createdDaysAgo} days', NULL, 0
            FROM generate_series(1, $2) AS i
            """, account, count);
        await ExecAsync(
            "INSERT INTO user_id_directory (user_id, account_id, workspace_id) SELECT user_id, account_id, id FROM workspaces WHERE account_id = $1 ON CONFLICT DO NOTHING",
            account);
    }

    /// <summary>
    /// Ended calls (4 a day of 60 s each, spread over the bucket slots) in every workspace of the account on each of the
    /// <paramref name="days"/> days before today (UTC, the accounts' time zone), with their buckets; answers the
    /// seconds each workspace got. The days must lie in the current cycle (the accounts' cycles began 10 or more days ago).
    /// </summary>
    public async Task<long> InsertHistoryAsync(Guid account, int days)
    {
        const int callsPerDay = 4, seconds = 60;
        await ExecAsync(
            $"""
            INSERT INTO calls (account_id, call_id, workspace_id, started_at, local_date, ended_at, duration_seconds, billable_seconds,
                               project_tag, max_usage_seconds, source, recorded_at)
            SELECT w.account_id, 'history-' || w.id || '-' || d || '-' || s, w.id, t.started, (t.started AT TIME ZONE 'UTC')::date,
                   t.started + interval '{seconds} seconds', {seconds}, {seconds}, NULL, 0, 'Imported', now()
            FROM workspaces AS w, generate_series(1, $2) AS d, generate_series(0, {callsPerDay - 1}) AS s,
                 LATERAL (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => d) + make_interval(hours => 8 + s) AS started) AS t
            WHERE w.account_id = $1
            """, account, days);
        await ExecAsync(
            $"""
            INSERT INTO usage_buckets (account_id, workspace_id, local_date, slot, billed_seconds, calls)
            SELECT account_id, workspace_id, local_date, (split_part(call_id, '-', 8))::smallint % {UsageBucket.SlotCount}, sum(billable_seconds), count(*)
            FROM calls WHERE account_id = $1 AND call_id LIKE 'history-%' GROUP BY 1, 2, 3, 4
            """, account);
        return (long)days * callsPerDay * seconds;
    }

    /// <summary>Usage on 3 days between 35 and 25 days ago for every workspace of the account.</summary>
    public Task<long> InsertPastBucketsAsync(Guid account) => ExecAsync(
        """
        INSERT INTO usage_buckets (account_id, workspace_id, local_date, slot, billed_seconds, calls)
        SELECT w.account_id, w.id, d::date, 0, 600, 2
        FROM workspaces w, generate_series(current_date - 35, current_date - 25, interval '5 days') AS d
        WHERE w.account_id = $1
        """, account);

    /// <summary>
    /// Ended calls spread over [from, to), 1 million per statement, until <paramref name="count"/> or the
    /// time budget; then the daily buckets from them. Returns how many calls exist. The calls come in the order of
    /// their ids (zero-padded) and starts, so the primary key and the start index grow at their right edge: with
    /// ids in text order ('gen-10' before 'gen-2') and starts at random, every million took longer than the last
    /// (40 s to 80 s) and a busy machine stopped at 9 million within the budget.
    /// </summary>
    public async Task<long> InsertCallsAsync(Guid account, DateTimeOffset from, DateTimeOffset to, long count, TimeSpan budget, Action<string> log)
    {
        var watch = Stopwatch.StartNew();
        var span = (long)(to - from).TotalSeconds;
        const long chunk = 1_000_000;
        long made = 0;
        while (made < count && watch.Elapsed < budget)
        {
            var n = Math.Min(chunk, count - made);
            await ExecAsync(
                """
                WITH ws AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM workspaces WHERE account_id = $1)
                INSERT INTO calls (account_id, call_id, workspace_id, started_at, local_date, ended_at, duration_seconds, billable_seconds,
                                   project_tag, max_usage_seconds, source, recorded_at)
                SELECT $1, 'gen-' || lpad(i::text, 12, '0'), ws.ids[(1 + i % ws.n)::int], t.started, (t.started AT TIME ZONE 'UTC')::date, t.started + make_interval(secs => t.dur),
                       t.dur, CASE WHEN t.dur > 30 THEN t.dur ELSE 0 END,
                       CASE WHEN i % 10 = 0 THEN 'project-' || (i % 7) END, 0, 'Imported', now()
                FROM ws, generate_series($2::bigint, $3::bigint) AS i,
                     LATERAL (SELECT $4::timestamptz + make_interval(secs => (i - 1) * $5::bigint / $6::bigint) AS started, (i * 31 % 600)::bigint AS dur) AS t
                """, account, made + 1, made + n, from.UtcDateTime, span, count);
            made += n;
            log($"report data: {made:N0} calls after {watch.Elapsed.TotalSeconds:F0} s");
        }

        await ExecAsync(
            """
            INSERT INTO usage_buckets (account_id, workspace_id, local_date, slot, billed_seconds, calls)
            SELECT account_id, workspace_id, local_date, (abs(hashtext(call_id)) % 4)::smallint, sum(billable_seconds), count(*)
            FROM calls WHERE account_id = $1 GROUP BY 1, 2, 3, 4
            """, account);
        await ExecAsync("VACUUM ANALYZE calls");
        await ExecAsync("VACUUM ANALYZE usage_buckets");
        return made;
    }

    /// <summary>Runs the close-statements work for one account exactly as the job does (a scope with the tenant set).</summary>
    public async Task<(TimeSpan Elapsed, CloseResult Result, bool Finished)> CloseStatementsAsync(Guid account, TimeSpan timeout)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        services.AddMinutePoolData(DatabaseProvider.Postgres, connectionString);
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(account);
        var closer = scope.ServiceProvider.GetRequiredService<StatementCloser>();
        using var cancel = new CancellationTokenSource(timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            var result = await closer.CloseAsync(cancel.Token);
            return (watch.Elapsed, result, true);
        }
        catch (OperationCanceledException)
        {
            return (watch.Elapsed, default, false);
        }
    }
}

/// <summary>A statement's executions; Plans and PlanMs: how often and how long PostgreSQL planned it (a custom plan per execution, or a cached generic one).</summary>
public sealed record StatementLine(long Calls, double TotalMs, double MeanMs, string Query, long Plans = 0, double PlanMs = 0);

public sealed record StatementProfile(long Statements, long Requests, double PerRequest, IReadOnlyList<StatementLine> Top);
