using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

/// <summary>
/// On PostgreSQL, the end of a call this process started is charged without reading the call, the API key or the
/// account first: the process remembers them, and the end's one statement checks that they still hold. Whatever changed
/// beside the app in between (the key revoked, the plan's terms, the call ended or its start moved by another instance or
/// an operator) must give the answer an end that reads everything gives: no charge by stale terms, no double charge,
/// no call ended by a key that no longer opens the account.
/// </summary>
public abstract class RecalledCallEndTests(bool groupCommit) : IAsyncLifetime
{
    private readonly ApiHost _host = new(new PostgresDatabase { Migrate = false, GroupCommit = groupCommit });

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("per-minute", 1_000, increment: 60, minimumSeconds: 0);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task An_end_answers_and_charges_what_the_database_records_and_a_repeat_answers_the_same()
    {
        var account = await _host.AccountAsync("per-minute");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        // Half a microsecond past the minute: PostgreSQL keeps microseconds, so the stored start is on the minute and the
        // call lasts exactly 120 seconds by the row every later read sees.
        var start = _host.Clock.Now.AddMinutes(-2).AddTicks(5);
        await (await account.StartAsync("exact", workspace, start)).ShouldBeAsync(201);

        var ended = await (await account.EndAsync("exact", _host.Clock.Now)).ShouldBeAsync(200);
        var repeated = await (await account.EndAsync("exact", _host.Clock.Now.AddMinutes(5))).ShouldBeAsync(200);

        ended.GetProperty("durationSeconds").GetInt64().Should().Be(120);
        ended.GetProperty("billableSeconds").GetInt64().Should().Be(120);
        repeated.GetProperty("durationSeconds").GetInt64().Should().Be(120, "a repeated end answers what the first recorded");
        (await UsedSecondsAsync(account, workspace)).Should().Be(120, "charged once");
    }

    [Fact]
    public async Task A_key_revoked_while_its_call_runs_cannot_end_it()
    {
        var account = await _host.AccountAsync("per-minute");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var (prefix, pbx) = await _host.SecondKeyAsync(account);
        await (await pbx.StartAsync("revoked-mid-call", workspace)).ShouldBeAsync(201);

        await _host.RevokeKeyAsync(account, prefix);
        _host.Clock.Advance(TimeSpan.FromSeconds(45)); // within the minute the key's last use need not be recorded again

        await (await pbx.EndAsync("revoked-mid-call")).ShouldBeProblemAsync(401, "unauthorized");
        (await UsedSecondsAsync(account, workspace)).Should().Be(0, "the revoked key charged nothing");
        (await CallAsync(account, "revoked-mid-call")).GetProperty("endedAt").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
        (await (await account.EndAsync("revoked-mid-call")).ShouldBeAsync(200)).GetProperty("billableSeconds").GetInt64().Should().Be(60);
    }

    [Fact]
    public async Task A_secret_that_does_not_match_the_key_cannot_end_its_call()
    {
        var (account, workspace) = await RunningCallAsync("forged-end");
        var header = account.Http.DefaultRequestHeaders.Authorization!.Parameter!;
        using var forged = _host.Client(header[..^4] + (header.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"));

        await (await (account with { Http = forged }).EndAsync("forged-end")).ShouldBeProblemAsync(401, "unauthorized");
        (await UsedSecondsAsync(account, workspace)).Should().Be(0);
    }

    [Fact]
    public async Task A_call_running_when_its_plans_terms_change_is_charged_by_the_terms_the_database_holds_at_its_end()
    {
        await _host.PlanAsync("per-minute-to-second", 1_000, increment: 60, minimumSeconds: 0);
        var (account, workspace) = await RunningCallAsync("terms-change", "per-minute-to-second");

        await _host.Database.ExecuteAsync("UPDATE plans SET billing_increment_seconds = 1 WHERE code = 'per-minute-to-second'");
        _host.Clock.Advance(TimeSpan.FromSeconds(45));

        var ended = await (await account.EndAsync("terms-change")).ShouldBeAsync(200);
        ended.GetProperty("billableSeconds").GetInt64().Should().Be(45, "per second now, not rounded up to the minute the remembered terms said");
        (await UsedSecondsAsync(account, workspace)).Should().Be(45);
    }

    [Fact]
    public async Task A_call_ended_by_another_instance_is_answered_as_it_recorded_and_not_charged_again()
    {
        var (account, workspace) = await RunningCallAsync("ended-elsewhere");
        _host.Clock.Advance(TimeSpan.FromSeconds(30));
        await ChangeBesideTheAppAsync(account, "ended-elsewhere", "ended_at = started_at + interval '30 seconds', duration_seconds = 30, billable_seconds = 60");
        _host.Clock.Advance(TimeSpan.FromSeconds(20));

        var ended = await (await account.EndAsync("ended-elsewhere")).ShouldBeAsync(200);

        ended.GetProperty("durationSeconds").GetInt64().Should().Be(30, "the first end's figures, not this later one's");
        (await UsedSecondsAsync(account, workspace)).Should().Be(0, "only the statement that ends a call charges it (here: the one beside the app, which charged nothing)");
    }

    [Fact]
    public async Task A_start_moved_beside_the_app_is_charged_from_the_start_the_database_holds()
    {
        var (account, workspace) = await RunningCallAsync("moved");
        await ChangeBesideTheAppAsync(account, "moved", "started_at = started_at - interval '10 minutes'");
        _host.Clock.Advance(TimeSpan.FromSeconds(30));

        var ended = await (await account.EndAsync("moved")).ShouldBeAsync(200);

        ended.GetProperty("durationSeconds").GetInt64().Should().Be(630);
        (await UsedSecondsAsync(account, workspace)).Should().Be(660);
    }

    /// <summary>A new account on the plan, a workspace, and a call started there now through the API.</summary>
    private async Task<(AccountClient Account, Guid Workspace)> RunningCallAsync(string callId, string planCode = "per-minute")
    {
        var account = await _host.AccountAsync(planCode);
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await (await account.StartAsync(callId, workspace)).ShouldBeAsync(201);
        return (account, workspace);
    }

    /// <summary>Changes the call's row as another instance or an operator with psql would.</summary>
    private Task ChangeBesideTheAppAsync(AccountClient account, string callId, string assignments) =>
        _host.Database.ExecuteAsync($"UPDATE calls SET {assignments} WHERE account_id = {_host.Database.Literal(account.Id)} AND call_id = '{callId}'");

    private static async Task<System.Text.Json.JsonElement> CallAsync(AccountClient account, string callId) =>
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").EnumerateArray().Single(c => c.GetProperty("callId").GetString() == callId);

    private static async Task<long> UsedSecondsAsync(AccountClient account, Guid workspace) =>
        (await account.GetAsync($"/api/v1/workspaces/{workspace}/balance")).GetProperty("scopes").EnumerateArray()
            .Single(s => s.GetProperty("scope").GetString() == "account").GetProperty("usedSeconds").GetInt64();
}

public sealed class RecalledCallEndWithGroupCommitTests() : RecalledCallEndTests(groupCommit: true);

public sealed class RecalledCallEndOneByOneTests() : RecalledCallEndTests(groupCommit: false);
