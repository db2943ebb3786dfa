using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

/// <summary>
/// Account A's API key aimed at account B's ids: every endpoint answers as if B's things did not exist
/// (404, or 401 for B's user ID and passcode, or a per-record not_found for an import), never shows
/// B's data, and leaves B exactly as B's own key saw it before.
/// </summary>
public sealed class ApiIsolationTests : IAsyncLifetime
{
    private const string NameOfB = "Bravo confidential desk";
    private const string ProjectTagOfB = "bravo-secret-project";

    private readonly ApiHost _host = new();
    private AccountClient _a = null!;
    private AccountClient _b = null!;
    private Guid _workspaceOfA;
    private Guid _workspaceOfB;
    private string _userIdOfB = "";
    private string _passcodeOfB = "";
    private string _bBefore = "";

    private DateTimeOffset Now => _host.Clock.Now;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("p100", 100);
        _a = await _host.AccountAsync("p100");
        _b = await _host.AccountAsync("p100", billingDay: 5, distribution: true);
        _workspaceOfA = (await _a.CreateWorkspaceAsync("Alpha desk")).Id();

        var workspaceOfB = await _b.CreateWorkspaceAsync(NameOfB, allocationMinutes: 40, resetDay: 20, concurrentCallLimit: 3);
        _workspaceOfB = workspaceOfB.Id();
        _userIdOfB = workspaceOfB.GetProperty("userId").GetString()!;
        _passcodeOfB = workspaceOfB.GetProperty("passcode").GetString()!;
        await (await _b.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "b-live", workspaceId = _workspaceOfB, startedAt = Now.AddMinutes(-10), projectTag = ProjectTagOfB }))
            .ShouldBeAsync(201);
        var imported = await (await _b.Http.PostAsJsonAsync("/api/v1/usage-records", new
        {
            records = new[] { new { callId = "b-imported", workspaceId = _workspaceOfB, startedAt = Now.AddHours(-2), endedAt = Now.AddHours(-2).AddMinutes(4), projectTag = ProjectTagOfB } },
        })).ShouldBeAsync(200);
        imported.GetProperty("accepted").GetInt32().Should().Be(1);

        _bBefore = await SnapshotOfBAsync();
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_reading_Bs_workspace_gets_404_and_nothing_of_B()
    {
        var response = await _a.Http.GetAsync($"/api/v1/workspaces/{_workspaceOfB}");

        await ShouldBeHiddenAsync(response, 404, "not_found");
        await ShouldLeaveBUnchangedAsync();
    }

    [Fact]
    public async Task A_listing_workspaces_and_calls_sees_only_its_own()
    {
        var workspaces = await _a.GetAsync("/api/v1/workspaces?includeArchived=true");
        var calls = await _a.GetAsync("/api/v1/calls");

        workspaces.EnumerateArray().Select(w => w.Id()).Should().Equal(_workspaceOfA);
        calls.GetProperty("items").GetArrayLength().Should().Be(0);
        ShouldNotRevealB(workspaces.GetRawText() + calls.GetRawText());
    }

    [Fact]
    public async Task A_patching_Bs_workspace_gets_404_and_B_keeps_its_name_allocation_reset_day_and_limit()
    {
        var response = await _a.Http.SendJsonAsync("PATCH", $"/api/v1/workspaces/{_workspaceOfB}",
            """{"name":"Hijacked","allocationMinutes":null,"resetDay":1,"concurrentCallLimit":null}""");

        await ShouldBeHiddenAsync(response, 404, "not_found");
        await ShouldLeaveBUnchangedAsync();
    }

    [Fact]
    public async Task A_archiving_Bs_workspace_gets_404_and_B_can_still_start_calls_in_it()
    {
        var response = await _a.Http.PostAsync($"/api/v1/workspaces/{_workspaceOfB}/archive", null);

        await ShouldBeHiddenAsync(response, 404, "not_found");
        await ShouldLeaveBUnchangedAsync();
        await (await _b.StartAsync("b-after-archive-attempt", _workspaceOfB)).ShouldBeAsync(201);
    }

    [Fact]
    public async Task A_rotating_Bs_passcode_gets_404_without_a_passcode_and_Bs_passcode_still_works()
    {
        var response = await _a.Http.PostAsync($"/api/v1/workspaces/{_workspaceOfB}/passcode", null);

        var text = await ShouldBeHiddenAsync(response, 404, "not_found");
        JsonDocument.Parse(text).RootElement.TryGetProperty("passcode", out _).Should().BeFalse();
        await ShouldLeaveBUnchangedAsync();
        await (await _b.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "b-bridge", userId = _userIdOfB, passcode = _passcodeOfB })).ShouldBeAsync(201);
    }

    [Fact]
    public async Task A_reading_Bs_balance_gets_404_and_no_figures()
    {
        var response = await _a.Http.GetAsync($"/api/v1/workspaces/{_workspaceOfB}/balance");

        var text = await ShouldBeHiddenAsync(response, 404, "not_found");
        text.Should().NotContain("scopes");
        await ShouldLeaveBUnchangedAsync();
    }

    [Fact]
    public async Task A_heartbeat_on_Bs_call_gets_404_call_not_found_and_does_not_touch_it()
    {
        var response = await _a.Http.PostAsync("/api/v1/calls/b-live/heartbeat", null);

        await ShouldBeHiddenAsync(response, 404, "call_not_found");
        await ShouldLeaveBUnchangedAsync();
        await using var scope = _host.Database.Scope(_b.Id);
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        (await db.Calls.SingleAsync(c => c.CallId == "b-live")).LastHeartbeatAt.Should().BeNull();
    }

    [Fact]
    public async Task A_ending_Bs_live_call_gets_404_call_not_found_and_the_call_keeps_running()
    {
        var response = await _a.Http.PostAsJsonAsync("/api/v1/calls/b-live/end", new { endedAt = Now.AddMinutes(-9) });

        await ShouldBeHiddenAsync(response, 404, "call_not_found");
        await ShouldLeaveBUnchangedAsync();
    }

    [Fact]
    public async Task A_ending_Bs_imported_call_gets_404_call_not_found_and_not_its_figures()
    {
        var response = await _a.Http.PostAsJsonAsync("/api/v1/calls/b-imported/end", new { });

        var text = await ShouldBeHiddenAsync(response, 404, "call_not_found");
        text.Should().NotContain("billableSeconds").And.NotContain("durationSeconds");
        await ShouldLeaveBUnchangedAsync();
    }

    [Fact]
    public async Task A_starting_a_call_in_Bs_workspace_gets_404_and_no_call_is_recorded_anywhere()
    {
        var response = await _a.StartAsync("a-in-b", _workspaceOfB);

        await ShouldBeHiddenAsync(response, 404, "not_found");
        (await _a.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
        await ShouldLeaveBUnchangedAsync();
    }

    [Fact]
    public async Task A_starting_a_call_with_Bs_user_id_and_passcode_gets_401_invalid_passcode_and_no_call_is_recorded()
    {
        var response = await _a.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "a-as-b", userId = _userIdOfB, passcode = _passcodeOfB });

        await ShouldBeHiddenAsync(response, 401, "invalid_passcode");
        (await _a.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
        await ShouldLeaveBUnchangedAsync();
    }

    [Fact]
    public async Task A_importing_a_record_for_Bs_workspace_gets_it_rejected_not_found_and_B_is_not_charged()
    {
        var response = await _a.Http.PostAsJsonAsync("/api/v1/usage-records", new
        {
            records = new[] { new { callId = "a-into-b", workspaceId = _workspaceOfB, startedAt = Now.AddHours(-1), endedAt = Now.AddHours(-1).AddMinutes(30) } },
        });

        var result = await response.ShouldBeAsync(200);
        result.GetProperty("accepted").GetInt32().Should().Be(0);
        result.GetProperty("duplicates").GetInt32().Should().Be(0);
        var rejected = result.GetProperty("rejected").EnumerateArray().Should().ContainSingle().Subject;
        rejected.GetProperty("index").GetInt32().Should().Be(0);
        rejected.GetProperty("code").GetString().Should().Be("not_found");
        ShouldNotRevealB(result.GetRawText());
        (await _a.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
        await ShouldLeaveBUnchangedAsync();
    }

    [Fact]
    public async Task A_listing_calls_of_Bs_workspace_gets_404_and_none_of_Bs_calls()
    {
        var response = await _a.Http.GetAsync($"/api/v1/calls?workspaceId={_workspaceOfB}");

        var text = await response.Content.ReadAsStringAsync();
        text.Should().NotContain("b-live").And.NotContain("b-imported");
        await ShouldBeHiddenAsync(response, 404, "not_found");
        await ShouldLeaveBUnchangedAsync();
    }

    [Fact]
    public async Task A_call_id_that_B_uses_starts_a_new_call_of_A_rather_than_answering_Bs_call()
    {
        var started = await (await _a.StartAsync("b-live", _workspaceOfA)).ShouldBeAsync(201);

        started.GetProperty("workspaceId").GetGuid().Should().Be(_workspaceOfA);
        started.UtcTime("startedAt").Should().Be(Now);
        ShouldNotRevealB(started.GetRawText());
        await ShouldLeaveBUnchangedAsync();
    }

    [Fact]
    public async Task A_call_id_that_B_imported_is_accepted_for_A_rather_than_counted_as_a_duplicate()
    {
        var result = await (await _a.Http.PostAsJsonAsync("/api/v1/usage-records", new
        {
            records = new[] { new { callId = "b-imported", workspaceId = _workspaceOfA, startedAt = Now.AddHours(-1), endedAt = Now.AddHours(-1).AddMinutes(1) } },
        })).ShouldBeAsync(200);

        result.GetProperty("accepted").GetInt32().Should().Be(1);
        result.GetProperty("duplicates").GetInt32().Should().Be(0);
        (await _a.GetAsync("/api/v1/calls")).GetProperty("items").EnumerateArray().Should().ContainSingle()
            .Which.GetProperty("workspaceId").GetGuid().Should().Be(_workspaceOfA);
        await ShouldLeaveBUnchangedAsync();
    }

    /// <summary>Asserts the refusal and that its body shows nothing of B; returns the body.</summary>
    private async Task<string> ShouldBeHiddenAsync(HttpResponseMessage response, int status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        ShouldNotRevealB(text);
        await response.ShouldBeProblemAsync(status, code, $"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.PathAndQuery} with A's key");
        return text;
    }

    private void ShouldNotRevealB(string text) =>
        text.Should().NotContain(NameOfB).And.NotContain(_userIdOfB).And.NotContain(ProjectTagOfB).And.NotContain(_passcodeOfB);

    /// <summary>B's account, workspace, balance and calls, read with B's own key, are as they were.</summary>
    private async Task ShouldLeaveBUnchangedAsync() => (await SnapshotOfBAsync()).Should().Be(_bBefore);

    private async Task<string> SnapshotOfBAsync() =>
        string.Join(
            "\n",
            await AccountRequests.SnapshotAsync(_b),
            (await _b.GetAsync($"/api/v1/workspaces/{_workspaceOfB}")).GetRawText(),
            (await _b.GetAsync($"/api/v1/workspaces/{_workspaceOfB}/balance")).GetRawText(),
            (await _b.GetAsync($"/api/v1/calls?workspaceId={_workspaceOfB}")).GetRawText());
}
