using System.Net.Http.Json;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

/// <summary>
/// On PostgreSQL, a call start in a workspace this process has read before is written without reading the API key, the
/// account or the workspace first: the process remembers them, and the start's one statement sums the balance, checks
/// that what was remembered still holds and inserts only while time is left. Whatever changed beside the app in between
/// (usage, the key, the plan, the workspace's archive date, reset day or concurrent-call limit) must give the answer a
/// start that reads everything gives: the time left by today's sums, and every refusal it would make.
/// </summary>
public abstract class RecalledCallStartTests(bool groupCommit) : IAsyncLifetime
{
    private readonly ApiHost _host = new(new PostgresDatabase { Migrate = false, GroupCommit = groupCommit });

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("per-second", 1_000, increment: 1, minimumSeconds: 0);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    public enum Shape
    {
        OnePool,
        Allocation,
        UnallocatedPool,
    }

    [Theory]
    [InlineData(Shape.OnePool, 1_000 * 60 - 100)]
    [InlineData(Shape.Allocation, 10 * 60 - 100)]
    [InlineData(Shape.UnallocatedPool, (1_000 - 100) * 60 - 100)]
    public async Task A_start_answers_the_time_left_by_the_usage_recorded_since_the_last(Shape shape, long expected)
    {
        var account = await _host.AccountAsync("per-second", distribution: shape != Shape.OnePool);
        if (shape == Shape.UnallocatedPool)
        {
            await account.CreateWorkspaceAsync("Holds 100 minutes", allocationMinutes: 100);
        }

        var workspace = (await account.CreateWorkspaceAsync(allocationMinutes: shape == Shape.Allocation ? 10 : null)).Id();
        await CallAsync(account, "first", workspace, TimeSpan.FromSeconds(100));

        var next = await (await account.StartAsync("next", workspace)).ShouldBeAsync(201);

        next.GetProperty("maxUsageSeconds").GetInt64().Should().Be(expected);
        var balance = await account.GetAsync($"/api/v1/workspaces/{workspace}/balance");
        balance.GetProperty("remainingSeconds").GetInt64().Should().Be(expected, "the start's answer is the balance's");
        (await StoredMaxUsageAsync(account, "next")).Should().Be(expected, "the row holds what the start answered");
    }

    [Fact]
    public async Task A_start_once_the_minutes_are_used_is_refused_and_records_nothing_and_a_repeat_answers_the_first()
    {
        await _host.PlanAsync("two-minutes", 2, increment: 1, minimumSeconds: 0);
        var account = await _host.AccountAsync("two-minutes");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var first = await (await account.StartAsync("first", workspace)).ShouldBeAsync(201);
        var repeat = await (await account.StartAsync("first", workspace)).ShouldBeAsync(201);
        repeat.GetProperty("startedAt").GetDateTimeOffset().Should().Be(first.GetProperty("startedAt").GetDateTimeOffset());
        repeat.GetProperty("maxUsageSeconds").GetInt64().Should().Be(120);

        _host.Clock.Advance(TimeSpan.FromMinutes(2));
        await (await account.EndAsync("first")).ShouldBeAsync(200);

        await (await account.StartAsync("one-too-many", workspace)).ShouldBeProblemAsync(403, "minutes_exhausted");
        (await CallCountAsync(account)).Should().Be(1);
    }

    [Fact]
    public async Task A_key_revoked_after_a_start_cannot_start_another()
    {
        var account = await _host.AccountAsync("per-second");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var (prefix, pbx) = await _host.SecondKeyAsync(account);
        await (await pbx.StartAsync("before", workspace)).ShouldBeAsync(201);

        await _host.RevokeKeyAsync(account, prefix);

        await (await pbx.StartAsync("after", workspace)).ShouldBeProblemAsync(401, "unauthorized");
        (await CallCountAsync(account)).Should().Be(1);
    }

    [Theory]
    [InlineData("archived_at = now()", 403, "workspace_archived")] // archived: starts no more calls
    [InlineData("concurrent_call_limit = 1", 409, "concurrent_call_limit")] // a limit, with one call running: holds for the next start
    public async Task A_workspace_changed_beside_the_app_refuses_the_next_start_as_a_start_that_reads_it_would(string change, int status, string code)
    {
        var account = await _host.AccountAsync("per-second");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await (await account.StartAsync("running", workspace)).ShouldBeAsync(201);

        await ChangeWorkspaceBesideTheAppAsync(account, workspace, change);

        await (await account.StartAsync("next", workspace)).ShouldBeProblemAsync(status, code);
        (await CallCountAsync(account)).Should().Be(1);
    }

    [Fact]
    public async Task A_reset_day_moved_beside_the_app_gives_the_next_start_the_new_period()
    {
        var account = await _host.AccountAsync("per-second", distribution: true);
        var workspace = (await account.CreateWorkspaceAsync(allocationMinutes: 10)).Id();
        var twoDaysAgo = _host.Clock.Now.AddDays(-2);
        var import = new { callId = "earlier", workspaceId = workspace, startedAt = twoDaysAgo, endedAt = twoDaysAgo.AddSeconds(120) };
        await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records = new[] { import } })).ShouldBeAsync(200);
        (await (await account.StartAsync("warm", workspace)).ShouldBeAsync(201)).GetProperty("maxUsageSeconds").GetInt64().Should().Be(480);

        // The clock's day of the month: the workspace's period now starts today, after the imported call.
        await ChangeWorkspaceBesideTheAppAsync(account, workspace, $"reset_day = {_host.Clock.Now.Day}");

        var next = await (await account.StartAsync("next", workspace)).ShouldBeAsync(201);
        next.GetProperty("maxUsageSeconds").GetInt64().Should().Be(600, "the whole allocation of the period that began today");
    }

    [Fact]
    public async Task A_plan_cut_beside_the_app_limits_the_next_start_by_its_minutes()
    {
        await _host.PlanAsync("cut-to-five", 1_000, increment: 1, minimumSeconds: 0);
        var account = await _host.AccountAsync("cut-to-five");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await CallAsync(account, "first", workspace, TimeSpan.FromSeconds(100));

        await _host.Database.ExecuteAsync("UPDATE plans SET minutes_per_cycle = 5 WHERE code = 'cut-to-five'");

        var next = await (await account.StartAsync("next", workspace)).ShouldBeAsync(201);
        next.GetProperty("maxUsageSeconds").GetInt64().Should().Be(5 * 60 - 100);
    }

    private async Task CallAsync(AccountClient account, string callId, Guid workspace, TimeSpan lasting)
    {
        await (await account.StartAsync(callId, workspace)).ShouldBeAsync(201);
        _host.Clock.Advance(lasting);
        await (await account.EndAsync(callId)).ShouldBeAsync(200);
    }

    /// <summary>Changes the workspace's row as another instance or an operator with psql would.</summary>
    private Task ChangeWorkspaceBesideTheAppAsync(AccountClient account, Guid workspace, string assignments) =>
        _host.Database.ExecuteAsync($"UPDATE workspaces SET {assignments} WHERE account_id = {_host.Database.Literal(account.Id)} AND id = {_host.Database.Literal(workspace)}");

    private Task<long> CallCountAsync(AccountClient account) =>
        _host.Database.ScalarAsync<long>($"SELECT count(*) AS \"Value\" FROM calls WHERE account_id = {_host.Database.Literal(account.Id)}");

    private Task<long> StoredMaxUsageAsync(AccountClient account, string callId) =>
        _host.Database.ScalarAsync<long>($"SELECT max_usage_seconds AS \"Value\" FROM calls WHERE account_id = {_host.Database.Literal(account.Id)} AND call_id = '{callId}'");
}

public sealed class RecalledCallStartWithGroupCommitTests() : RecalledCallStartTests(groupCommit: true);

public sealed class RecalledCallStartOneByOneTests() : RecalledCallStartTests(groupCommit: false);
