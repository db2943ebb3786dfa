using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data.Calls;
using MinutePool.IntegrationTests.Infrastructure;
using Npgsql;

namespace MinutePool.IntegrationTests.Ledger;

/// <summary>
/// Ending or touching one call reads that call by its key on PostgreSQL, however stale the planner's statistics
/// are about running calls (see <see cref="RunningCalls"/>): a plan through the running-calls index scans every
/// running call of the account on each end. PostgreSQL only: the plans are PostgreSQL's.
/// </summary>
public sealed class RunningCallsIndexTests : IAsyncLifetime
{
    private const int RunningCount = 2_000;

    private readonly PostgresDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task After_ANALYZE_saw_no_running_calls_a_call_end_still_reads_one_row_by_key_and_counts_use_the_running_index()
    {
        await _db.PlanAsync("p100000", 100_000);
        var account = await _db.AccountAsync("p100000");
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        for (var i = 0; i < 20; i++)
        {
            await _db.CallAsync(account, workspace, $"done-{i}", _db.Clock.Now.AddHours(-2).AddMinutes(i), 60);
        }

        // Statistics from a quiet moment (no call running), then the busy hour: 2,000 calls of one account running.
        await Sql.ExecuteAsync(_db.ConnectionString, "ANALYZE calls");
        var startedAt = _db.Clock.Now.AddMinutes(-5);
        await Sql.ExecuteAsync(_db.ConnectionString, $"""
            INSERT INTO calls (account_id, call_id, workspace_id, started_at, local_date, max_usage_seconds, source, recorded_at)
            SELECT '{account}', 'running-' || g, '{workspace}', '{startedAt:O}', '{DateOnly.FromDateTime(startedAt.UtcDateTime):O}', 3600, 'Live', '{startedAt:O}'
            FROM generate_series(1, {RunningCount}) AS g
            """);

        // The shapes of the end's UPDATE (CallLedger) and of a heartbeat, and of counting a workspace's running calls,
        // with the plan a pooled connection caches for a prepared statement.
        var end = await GenericPlanAsync(
            "UPDATE calls SET ended_at = now(), duration_seconds = 1, billable_seconds = 30 WHERE account_id = $1 AND call_id = $2 AND ended_at IS NULL",
            account, "running-7");
        var heartbeat = await GenericPlanAsync(
            "UPDATE calls AS c SET last_heartbeat_at = now() WHERE c.account_id = $1 AND c.call_id = $2 AND c.ended_at IS NULL",
            account, "running-7");
        var count = await GenericPlanAsync(
            $"SELECT count(*) FROM calls AS c WHERE c.account_id = $1 AND c.workspace_id = $2 AND c.{RunningCalls.IndexFilter}",
            account, workspace);

        end.Should().Contain("PK_calls").And.NotContain(RunningCalls.IndexName);
        heartbeat.Should().Contain("PK_calls").And.NotContain(RunningCalls.IndexName);
        count.Should().Contain(RunningCalls.IndexName);

        // And through the app: the end answers, and the running calls are counted through the index's predicate.
        (await _db.EndAsync(account, "running-7", _db.Clock.Now)).IsSuccess.Should().BeTrue();
        (await _db.WorkspaceAsync(account, workspace)).ActiveCalls.Should().Be(RunningCount - 1);
    }

    private async Task<string> GenericPlanAsync(string sql, Guid account, object second)
    {
        await using var connection = new NpgsqlConnection(_db.ConnectionString);
        await connection.OpenAsync();
        await using var batch = new NpgsqlCommand("SET plan_cache_mode = force_generic_plan", connection);
        await batch.ExecuteNonQueryAsync();
        var types = second is Guid ? "uuid, uuid" : "uuid, text";
        await using var prepare = new NpgsqlCommand($"PREPARE q ({types}) AS {sql}", connection);
        await prepare.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand($"EXPLAIN EXECUTE q ('{account}', '{second}')", connection);
        var lines = new List<string>();
        await using var reader = await explain.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }
}
