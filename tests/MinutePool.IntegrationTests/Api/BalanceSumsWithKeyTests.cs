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
/// <para>
/// The account's state (settings, plan schedule, minutes held by allocations) is not read there: the app remembers it
/// with the account's version and uses it when the key's query reads the same version. Every change to that state
/// must change the version in the database, also when the app did not make it (another instance, an operator with
/// psql), or a balance would show a plan, an allocation or a setting that no longer holds.
/// </para>
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

    [Fact]
    public async Task Every_change_to_the_state_made_beside_the_app_shows_in_the_next_balance_read()
    {
        var account = await _host.AccountAsync("team-6000", distribution: true);
        var sales = (await account.CreateWorkspaceAsync("Sales", allocationMinutes: 1_000)).Id();
        var pooled = (await account.CreateWorkspaceAsync("Support")).Id();
        var other = await _host.AccountAsync("team-6000", distribution: true);
        var othersPooled = (await other.CreateWorkspaceAsync("Other")).Id();

        (await PoolMinutesAsync(account, pooled)).Should().Be(5_000);
        (await PoolMinutesAsync(other, othersPooled)).Should().Be(6_000);
        (await LoadWithKeyAsync(account, pooled)).State.Should().NotBeNull("after a read, the next request takes the state it remembered");

        await _host.Database.ExecuteAsync($"UPDATE workspaces SET allocation_minutes = 2000 WHERE id = {_host.Database.Literal(sales)}");
        (await LoadWithKeyAsync(account, pooled)).State.Should().BeNull("an allocation resized beside the app makes the remembered state stale");
        (await PoolMinutesAsync(account, pooled)).Should().Be(4_000);
        (await LoadWithKeyAsync(account, pooled)).State.Should().NotBeNull("the state read afresh is remembered at its new version");
        (await LoadWithKeyAsync(other, othersPooled)).State.Should().NotBeNull("another account's change leaves this one's version alone");

        await _host.Database.ExecuteAsync($"UPDATE workspaces SET archived_at = created_at WHERE id = {_host.Database.Literal(sales)}");
        (await PoolMinutesAsync(account, pooled)).Should().Be(6_000, "an archived workspace holds no minutes");

        await _host.Database.ExecuteAsync($"UPDATE workspaces SET archived_at = NULL WHERE id = {_host.Database.Literal(sales)}");
        (await PoolMinutesAsync(account, pooled)).Should().Be(4_000, "a restored one holds its allocation again");

        var copy = Guid.NewGuid();
        await _host.Database.ExecuteAsync($"""
            INSERT INTO workspaces (account_id, id, name, kind, user_id, passcode_hash, allocation_minutes, reset_day, concurrent_call_limit, created_at, archived_at, version)
            SELECT account_id, {_host.Database.Literal(copy)}, 'Copy', kind, '99999999', passcode_hash, 500, reset_day, concurrent_call_limit, created_at, NULL, 0
            FROM workspaces WHERE id = {_host.Database.Literal(sales)}
            """);
        (await PoolMinutesAsync(account, pooled)).Should().Be(3_500, "a workspace inserted with an allocation holds it");

        await _host.Database.ExecuteAsync($"DELETE FROM workspaces WHERE id = {_host.Database.Literal(copy)}");
        (await PoolMinutesAsync(account, pooled)).Should().Be(4_000, "a deleted one no longer does");

        await _host.Database.ExecuteAsync("UPDATE plans SET minutes_per_cycle = 7000 WHERE code = 'team-6000'");
        (await PoolMinutesAsync(account, pooled)).Should().Be(5_000, "the plan's new terms apply to the accounts on it");
        (await PoolMinutesAsync(other, othersPooled)).Should().Be(7_000);

        await _host.Database.ExecuteAsync($"UPDATE account_plan_changes SET plan_id = (SELECT id FROM plans WHERE code = 'mini-10') WHERE account_id = {_host.Database.Literal(account.Id)}");
        (await AccountTotalSecondsAsync(account, pooled)).Should().Be(10 * 60, "the account's plan schedule changed");

        await _host.Database.ExecuteAsync($"UPDATE accounts SET distribution_enabled = {(_host.Database.Provider == Data.Infrastructure.DatabaseProvider.Postgres ? "false" : "0")} WHERE id = {_host.Database.Literal(account.Id)}");
        var scopes = (await account.GetAsync($"/api/v1/workspaces/{pooled}/balance")).GetProperty("scopes").EnumerateArray().Select(s => s.GetProperty("scope").GetString());
        scopes.Should().Equal(["account"], "with distribution off, only the account's minutes apply");
    }

    [Fact]
    public async Task A_version_a_rolled_back_save_saw_is_not_taken_for_the_state_committed_under_it_later()
    {
        var account = await _host.AccountAsync("team-6000", distribution: true);
        var sales = (await account.CreateWorkspaceAsync("Sales")).Id();
        var pooled = (await account.CreateWorkspaceAsync("Support")).Id();
        (await PoolMinutesAsync(account, pooled)).Should().Be(6_000);

        // An allocation the plan cannot hold is refused after the save queued on the account row, which bumped the version
        // in its transaction, and read the state under that version; the refusal rolls both back.
        await (await account.Http.PostAsync("/api/v1/workspaces", System.Net.Http.Json.JsonContent.Create(new { name = "Too big", kind = "client", allocationMinutes = 6_001 })))
            .ShouldBeProblemAsync(422, "allocation_exceeds_balance");
        (await LoadWithKeyAsync(account, pooled)).State.Should().NotBeNull("the version is still the one the state was remembered at");

        // The next change commits that same version number with a different state.
        await _host.Database.ExecuteAsync($"UPDATE workspaces SET allocation_minutes = 1000 WHERE id = {_host.Database.Literal(sales)}");
        (await PoolMinutesAsync(account, pooled)).Should().Be(5_000);
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

    private async Task<long> PoolMinutesAsync(AccountClient account, Guid workspace) =>
        Scope(await account.GetAsync($"/api/v1/workspaces/{workspace}/balance"), "unallocated_pool").GetProperty("totalSeconds").GetInt64() / 60;

    private async Task<long> AccountTotalSecondsAsync(AccountClient account, Guid workspace) =>
        Scope(await account.GetAsync($"/api/v1/workspaces/{workspace}/balance"), "account").GetProperty("totalSeconds").GetInt64();

    private static System.Text.Json.JsonElement Scope(System.Text.Json.JsonElement balance, string scope) =>
        balance.GetProperty("scopes").EnumerateArray().Single(s => s.GetProperty("scope").GetString() == scope);

    private static long UsedSeconds(System.Text.Json.JsonElement balance, string scope) =>
        Scope(balance, scope).GetProperty("usedSeconds").GetInt64();
}

public sealed class BalanceSumsWithKeyOnPostgresTests() : BalanceSumsWithKeyTests(new PostgresDatabase { Migrate = false });

public sealed class BalanceSumsWithKeyOnSqliteTests() : BalanceSumsWithKeyTests(new SqliteDatabase { Migrate = false });
