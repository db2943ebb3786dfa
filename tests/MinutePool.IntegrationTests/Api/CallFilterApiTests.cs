using System.Net.Http.Json;
using System.Text.Json;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

/// <summary>GET /api/v1/calls with the optional drill-down filters: additive, named in errors, tenant-scoped.</summary>
public sealed class CallFilterApiTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 9, 0, 0, TimeSpan.Zero);

    private readonly ApiHost _host = new();
    private AccountClient _account = null!;
    private AccountClient _other = null!;
    private JsonElement _acme;
    private JsonElement _beta;
    private JsonElement _foreign;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("filters-6000", 6_000);
        _account = await _host.AccountAsync("filters-6000");
        _acme = await _account.CreateWorkspaceAsync("Acme, Inc.");
        _beta = await _account.CreateWorkspaceAsync("Beta");
        _other = await _host.AccountAsync("filters-6000");
        _foreign = await _other.CreateWorkspaceAsync("Foreign");

        await ImportAsync(_account,
            Record("a-1", _acme, 0, 120, "Client \"X\", matter 1"),
            Record("a-2", _acme, 10, 20, "Client \"X\", matter 1"),
            Record("a-3", _acme, 20, 600, null),
            Record("b-1", _beta, 30, 300, "Client \"X\", matter 1"));
        await ImportAsync(_other, Record("f-1", _foreign, 0, 120, "Client \"X\", matter 1"));
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task The_new_filters_narrow_the_list_and_leave_the_old_query_unchanged()
    {
        (await IdsAsync("/api/v1/calls")).Should().Equal("a-1", "a-2", "a-3", "b-1");
        var tag = Uri.EscapeDataString("Client \"X\", matter 1");
        (await IdsAsync($"/api/v1/calls?projectTag={tag}")).Should().Equal("a-1", "a-2", "b-1");
        (await IdsAsync($"/api/v1/calls?projectTag={tag}&userId={_acme.GetProperty("userId").GetString()}")).Should().Equal("a-1", "a-2");
        (await IdsAsync("/api/v1/calls?minBillableSeconds=100&maxBillableSeconds=300")).Should().Equal("a-1", "b-1");
        (await IdsAsync($"/api/v1/calls?workspaceId={_beta.Id()}&minBillableSeconds=301")).Should().BeEmpty();
        (await IdsAsync("/api/v1/calls?projectTag=&userId=")).Should().HaveCount(4, "empty values mean no filter, as for the other parameters");

        var paged = await _account.GetAsync($"/api/v1/calls?projectTag={tag}&limit=2");
        paged.GetProperty("items").GetArrayLength().Should().Be(2);
        var cursor = paged.GetProperty("nextCursor").GetString();
        (await IdsAsync($"/api/v1/calls?projectTag={tag}&limit=2&cursor={cursor}")).Should().Equal("b-1");
    }

    [Fact]
    public async Task Bad_filter_values_answer_problems_naming_the_parameter_and_another_accounts_user_id_is_not_found()
    {
        var bad = await (await _account.Http.GetAsync("/api/v1/calls?minBillableSeconds=1.5")).ShouldBeProblemAsync(400, "validation_failed");
        bad.GetProperty("errors").TryGetProperty("minBillableSeconds", out _).Should().BeTrue();

        var inverted = await (await _account.Http.GetAsync("/api/v1/calls?minBillableSeconds=300&maxBillableSeconds=100")).ShouldBeProblemAsync(400, "validation_failed");
        inverted.GetProperty("errors").TryGetProperty("maxBillableSeconds", out _).Should().BeTrue();

        var userId = await (await _account.Http.GetAsync("/api/v1/calls?userId=12ab")).ShouldBeProblemAsync(400, "validation_failed");
        userId.GetProperty("errors").TryGetProperty("userId", out _).Should().BeTrue();

        await (await _account.Http.GetAsync($"/api/v1/calls?userId={_foreign.GetProperty("userId").GetString()}")).ShouldBeProblemAsync(404, "not_found");
        await (await _account.Http.GetAsync("/api/v1/calls?from=2026-11-21T00:00:00Z&to=2026-11-20T00:00:00Z")).ShouldBeProblemAsync(422, "invalid_time_range");
    }

    private async Task<List<string>> IdsAsync(string path) =>
        (await _account.GetAsync(path)).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("callId").GetString()!).ToList();

    private static object Record(string callId, JsonElement workspace, int startMinutes, int seconds, string? projectTag) => new
    {
        callId, workspaceId = workspace.Id(), startedAt = Start.AddMinutes(startMinutes), endedAt = Start.AddMinutes(startMinutes).AddSeconds(seconds), projectTag,
    };

    private static async Task ImportAsync(AccountClient account, params object[] records)
    {
        var result = await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records })).ShouldBeAsync(200);
        result.GetProperty("accepted").GetInt32().Should().Be(records.Length);
    }
}
