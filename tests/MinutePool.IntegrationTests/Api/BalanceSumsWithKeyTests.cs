using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Accounts;
using MinutePool.Data;
using MinutePool.Data.Accounts;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

/// <summary>
/// A call start or balance read of a workspace whose balance dates are known from an earlier request sums its usage in
/// the API key's query. Those sums must be as fresh and as exact as the separate query they replace: they show every
/// call ended since, they refuse a start once the minutes are used, and dates from an earlier period are never reused.
/// </summary>
public abstract class BalanceSumsWithKeyTests(TestDatabase database) : IAsyncLifetime
{
    private readonly ApiHost _host = new(database);

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("team-6000", 6_000);
        await _host.PlanAsync("mini-10", 10);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_repeated_balance_read_is_summed_with_the_key_and_shows_the_calls_ended_since()
    {
        var account = await _host.AccountAsync("team-6000");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var other = await _host.AccountAsync("team-6000");
        var othersWorkspace = (await other.CreateWorkspaceAsync()).Id();
        await CallAsync(other, "other-account", othersWorkspace, TimeSpan.FromSeconds(500));

        await account.GetAsync($"/api/v1/workspaces/{workspace}/balance");
        await CallAsync(account, "first", workspace, TimeSpan.FromSeconds(120));
        await CallAsync(account, "second", workspace, TimeSpan.FromSeconds(60));
        var balance = await account.GetAsync($"/api/v1/workspaces/{workspace}/balance");

        UsedSeconds(balance, "account").Should().Be(180, "the calls ended since the last read count");
        balance.GetProperty("remainingSeconds").GetInt64().Should().Be(6_000 * 60 - 180);
        var withKey = await LoadWithKeyAsync(account, workspace);
        withKey.Sums.Should().NotBeNull("the dates of this workspace's balance are known from the reads, so the next request sums with the key");
        withKey.Sums!.AccountSeconds.Should().Be(180, "only the key's own account's usage counts");
        (await LoadWithKeyAsync(account, othersWorkspace)).Sums.Should().BeNull("another account's workspace is neither found nor summed");
    }

    [Fact]
    public async Task A_workspace_allocation_and_the_account_are_summed_apart()
    {
        var account = await _host.AccountAsync("team-6000", distribution: true);
        var sales = (await account.CreateWorkspaceAsync("Sales", allocationMinutes: 10)).Id();
        var support = (await account.CreateWorkspaceAsync("Support", allocationMinutes: 20)).Id();
        await CallAsync(account, "sales-1", sales, TimeSpan.FromSeconds(300));
        await account.GetAsync($"/api/v1/workspaces/{sales}/balance");
        await CallAsync(account, "support-1", support, TimeSpan.FromSeconds(200));
        await CallAsync(account, "sales-2", sales, TimeSpan.FromSeconds(100));

        var balance = await account.GetAsync($"/api/v1/workspaces/{sales}/balance");

        UsedSeconds(balance, "workspace").Should().Be(400);
        UsedSeconds(balance, "account").Should().Be(600);
    }

    [Fact]
    public async Task A_start_is_refused_once_the_minutes_the_earlier_start_knew_of_are_used()
    {
        var account = await _host.AccountAsync("mini-10");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await CallAsync(account, "all-ten-minutes", workspace, TimeSpan.FromMinutes(10));

        await (await account.StartAsync("one-too-many", workspace)).ShouldBeProblemAsync(403, "minutes_exhausted");
    }

    [Fact]
    public async Task In_a_new_cycle_the_balance_counts_only_that_cycle()
    {
        var account = await _host.AccountAsync("team-6000");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await CallAsync(account, "november", workspace, TimeSpan.FromSeconds(120));
        UsedSeconds(await account.GetAsync($"/api/v1/workspaces/{workspace}/balance"), "account").Should().Be(120);

        _host.Clock.Now = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        UsedSeconds(await account.GetAsync($"/api/v1/workspaces/{workspace}/balance"), "account").Should().Be(0);
        await CallAsync(account, "december", workspace, TimeSpan.FromSeconds(45));
        UsedSeconds(await account.GetAsync($"/api/v1/workspaces/{workspace}/balance"), "account").Should().Be(45);
        UsedSeconds(await account.GetAsync($"/api/v1/workspaces/{workspace}/balance?at=2026-11-30T12:00:00Z"), "account")
            .Should().Be(120, "a read of the past cycle sums that cycle, not the dates the last read used");
    }

    private async Task CallAsync(AccountClient account, string callId, Guid workspace, TimeSpan length)
    {
        await (await account.StartAsync(callId, workspace)).ShouldBeAsync(201);
        _host.Clock.Advance(length);
        await (await account.EndAsync(callId)).ShouldBeAsync(200);
    }

    // What the API key filter of the next call start or balance read of this workspace loads.
    private async Task<AccountStateReader.KeyedState> LoadWithKeyAsync(AccountClient account, Guid workspace)
    {
        ApiKey.TryParse(account.Http.DefaultRequestHeaders.Authorization!.Parameter, out var prefix, out _).Should().BeTrue();
        await using var scope = _host.Database.Scope();
        return await AccountStateReader.LoadWithKeyAsync(scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>(), prefix, workspace, null);
    }

    private static long UsedSeconds(System.Text.Json.JsonElement balance, string scope) =>
        balance.GetProperty("scopes").EnumerateArray().Single(s => s.GetProperty("scope").GetString() == scope).GetProperty("usedSeconds").GetInt64();
}

public sealed class BalanceSumsWithKeyOnPostgresTests() : BalanceSumsWithKeyTests(new PostgresDatabase { Migrate = false });

public sealed class BalanceSumsWithKeyOnSqliteTests() : BalanceSumsWithKeyTests(new SqliteDatabase { Migrate = false });
