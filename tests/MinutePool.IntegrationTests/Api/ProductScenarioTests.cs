using System.Net.Http.Json;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

/// <summary>The product's scenarios end to end through HTTP, on PostgreSQL.</summary>
public sealed class ProductScenarioTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    private DateTimeOffset Now => _host.Clock.Now;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("team-6000", 6_000);
        await _host.PlanAsync("mini-10", 10);
        await _host.PlanAsync("mini-20", 20);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Allocating_4000_then_2500_of_6000_minutes_is_refused_with_2000_still_free()
    {
        var account = await _host.AccountAsync("team-6000", distribution: true);
        var first = await account.CreateWorkspaceAsync("Client A");
        var second = await account.CreateWorkspaceAsync("Client B");

        await (await account.Http.PatchAsJsonAsync($"/api/v1/workspaces/{first.Id()}", new { allocationMinutes = 4_000 })).ShouldBeAsync(200);
        var refused = await (await account.Http.PatchAsJsonAsync($"/api/v1/workspaces/{second.Id()}", new { allocationMinutes = 2_500 }))
            .ShouldBeProblemAsync(422, "allocation_exceeds_balance");

        refused.GetProperty("remainingAllocatableMinutes").GetInt64().Should().Be(2_000);
        refused.GetProperty("errors").GetProperty("allocationMinutes").GetArrayLength().Should().Be(1);
        (await account.GetAsync($"/api/v1/workspaces/{second.Id()}")).GetProperty("allocationMinutes").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null);
        var summary = await account.GetAsync("/api/v1/account");
        summary.GetProperty("allocatedMinutes").GetInt64().Should().Be(4_000);
        summary.GetProperty("unallocatedMinutes").GetInt64().Should().Be(2_000);
    }

    [Fact]
    public async Task A_workspace_resetting_on_the_20th_shows_separate_usage_before_and_after_the_20th()
    {
        var account = await _host.AccountAsync("team-6000", billingDay: 5, distribution: true);
        var workspace = (await account.CreateWorkspaceAsync("Berlin", allocationMinutes: 600, resetDay: 20)).Id();
        var before = new DateTimeOffset(2026, 11, 19, 10, 0, 0, TimeSpan.Zero);
        var after = new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
        await (await account.StartAsync("before", workspace, before)).ShouldBeAsync(201);
        await (await account.EndAsync("before", before.AddMinutes(10))).ShouldBeAsync(200);
        await (await account.StartAsync("after", workspace, after)).ShouldBeAsync(201);
        await (await account.EndAsync("after", after.AddMinutes(3))).ShouldBeAsync(200);

        var on19th = await account.GetAsync($"/api/v1/workspaces/{workspace}/balance?at=2026-11-19T12:00:00Z");
        var on21st = await account.GetAsync($"/api/v1/workspaces/{workspace}/balance?at=2026-11-21T12:00:00Z");

        var ws19 = on19th.GetProperty("scopes")[0];
        ws19.GetProperty("scope").GetString().Should().Be("workspace");
        ws19.GetProperty("periodStart").GetDateTimeOffset().Should().Be(new DateTimeOffset(2026, 10, 20, 0, 0, 0, TimeSpan.Zero));
        ws19.GetProperty("usedSeconds").GetInt64().Should().Be(600);
        var ws21 = on21st.GetProperty("scopes")[0];
        ws21.GetProperty("periodStart").GetDateTimeOffset().Should().Be(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero));
        ws21.GetProperty("usedSeconds").GetInt64().Should().Be(180);
        ws21.GetProperty("remainingSeconds").GetInt64().Should().Be((600 * 60) - 180);
        on21st.GetProperty("scopes")[1].GetProperty("usedSeconds").GetInt64().Should().Be(780, "the account cycle started on the 5th holds both");
        on21st.GetProperty("remainingSeconds").GetInt64().Should().Be((600 * 60) - 180);
    }

    [Fact]
    public async Task Thirty_second_calls_cost_nothing()
    {
        var account = await _host.AccountAsync("team-6000");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var start = Now.AddMinutes(-5);

        await (await account.StartAsync("thirty", workspace, start)).ShouldBeAsync(201);
        var ended = await (await account.EndAsync("thirty", start.AddSeconds(30))).ShouldBeAsync(200);

        ended.GetProperty("durationSeconds").GetInt64().Should().Be(30);
        ended.GetProperty("billableSeconds").GetInt64().Should().Be(0);
        (await account.GetAsync("/api/v1/account")).GetProperty("usedSeconds").GetInt64().Should().Be(0);
    }

    [Fact]
    public async Task Two_calls_with_one_minute_left_are_both_charged_in_full_and_the_next_start_is_refused_for_the_workspace()
    {
        var account = await _host.AccountAsync("team-6000", distribution: true);
        var workspace = (await account.CreateWorkspaceAsync("Tight", allocationMinutes: 1)).Id();

        var first = await (await account.StartAsync("one", workspace)).ShouldBeAsync(201);
        await (await account.StartAsync("two", workspace)).ShouldBeAsync(201);
        first.GetProperty("maxUsageSeconds").GetInt64().Should().Be(60);
        _host.Clock.Advance(TimeSpan.FromMinutes(5));
        (await (await account.EndAsync("one")).ShouldBeAsync(200)).GetProperty("billableSeconds").GetInt64().Should().Be(300);
        (await (await account.EndAsync("two")).ShouldBeAsync(200)).GetProperty("billableSeconds").GetInt64().Should().Be(300);

        var view = await account.GetAsync($"/api/v1/workspaces/{workspace}");
        view.GetProperty("remainingSeconds").GetInt64().Should().Be(60 - 600);
        view.GetProperty("usedSeconds").GetInt64().Should().Be(600);
        var refused = await (await account.StartAsync("three", workspace)).ShouldBeProblemAsync(403, "minutes_exhausted");
        refused.GetProperty("scope").GetString().Should().Be("workspace");
    }

    [Fact]
    public async Task An_exhausted_account_upgrades_and_starts_a_call_at_once_while_a_downgrade_is_next_cycle()
    {
        var account = await _host.AccountAsync("mini-10");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await (await account.StartAsync("long", workspace, Now.AddMinutes(-11))).ShouldBeAsync(201);
        await (await account.EndAsync("long")).ShouldBeAsync(200);
        (await (await account.StartAsync("refused", workspace)).ShouldBeProblemAsync(403, "minutes_exhausted"))
            .GetProperty("scope").GetString().Should().Be("account");

        var upgrade = await (await account.Http.PostAsJsonAsync("/api/v1/account/plan-change", new { planCode = "mini-20" })).ShouldBeAsync(200);
        upgrade.GetProperty("effective").GetString().Should().Be("immediate");
        await (await account.StartAsync("after-upgrade", workspace)).ShouldBeAsync(201);
        var summary = await account.GetAsync("/api/v1/account");
        summary.GetProperty("planCode").GetString().Should().Be("mini-20");
        summary.GetProperty("totalSeconds").GetInt64().Should().Be(20 * 60);
        summary.GetProperty("usedSeconds").GetInt64().Should().Be(11 * 60);

        var downgrade = await (await account.Http.PostAsJsonAsync("/api/v1/account/plan-change", new { planCode = "mini-10" })).ShouldBeAsync(200);
        downgrade.GetProperty("effective").GetString().Should().Be("next_cycle");
        downgrade.GetProperty("effectiveAt").GetDateTimeOffset().Should().Be(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var pending = (await account.GetAsync("/api/v1/account")).GetProperty("pendingPlanChange");
        pending.GetProperty("planCode").GetString().Should().Be("mini-10");
    }

    [Fact]
    public async Task A_conferencing_sub_account_with_limit_one_refuses_a_second_call_until_the_first_ends()
    {
        var account = await _host.AccountAsync("team-6000");
        var bridge = await account.CreateWorkspaceAsync("Bridge", concurrentCallLimit: 1);
        var userId = bridge.GetProperty("userId").GetString();
        var passcode = bridge.GetProperty("passcode").GetString();

        await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "c1", userId, passcode })).ShouldBeAsync(201);
        await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "c2", userId, passcode })).ShouldBeProblemAsync(409, "concurrent_call_limit");
        await (await account.EndAsync("c1")).ShouldBeAsync(200);
        var second = await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "c2", userId, passcode })).ShouldBeAsync(201);
        second.GetProperty("workspaceId").GetGuid().Should().Be(bridge.Id());
    }

    [Fact]
    public async Task A_wrong_passcode_gets_401_and_repeated_ones_lock_the_user_id_with_429()
    {
        var account = await _host.AccountAsync("team-6000");
        var bridge = await account.CreateWorkspaceAsync("Bridge");
        var userId = bridge.GetProperty("userId").GetString();

        for (var i = 0; i < 4; i++)
        {
            await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = $"w{i}", userId, passcode = "123456" })).ShouldBeProblemAsync(401, "invalid_passcode");
        }

        await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "w5", userId, passcode = "123456" })).ShouldBeProblemAsync(429, "passcode_locked");
        await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "ok", userId, passcode = bridge.GetProperty("passcode").GetString() }))
            .ShouldBeProblemAsync(429, "passcode_locked");
    }
}
