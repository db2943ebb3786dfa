using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data.Accounts;
using MinutePool.Data.Tenancy;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

/// <summary>API keys: shown once, stored hashed, revocable, last use recorded.</summary>
public sealed class ApiKeyTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("p100", 100);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_second_key_works_until_it_is_revoked_and_its_last_use_is_recorded()
    {
        var account = await _host.AccountAsync("p100");
        string plain;
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(account.Id);
            plain = Seed.Ok(await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("PBX", "test")).PlainText;
        }

        var workspace = (await account.CreateWorkspaceAsync()).GetProperty("id").GetGuid();
        using var second = _host.Client(plain);
        var viaSecond = account with { Http = second };
        await (await second.GetAsync("/api/v1/account")).ShouldBeAsync(200);
        // Call start, end and balance read take the account's state from the key's own query: same answers.
        await (await viaSecond.StartAsync("pbx-1", workspace, _host.Clock.Now.AddMinutes(-2))).ShouldBeAsync(201);
        (await (await viaSecond.EndAsync("pbx-1", _host.Clock.Now)).ShouldBeAsync(200)).GetProperty("billableSeconds").GetInt64().Should().Be(120);
        (await viaSecond.GetAsync($"/api/v1/workspaces/{workspace}/balance")).GetProperty("scopes")[0].GetProperty("usedSeconds").GetInt64().Should().Be(120);

        await using (var scope = _host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(account.Id);
            var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
            var listed = await keys.ListAsync();
            listed.Should().HaveCount(2);
            var pbx = listed.Single(k => k.Name == "PBX");
            pbx.LastUsedAt.Should().Be(_host.Clock.Now);
            pbx.SecretHash.Should().NotContain(plain[(plain.IndexOf('_', 3) + 1)..], "only a hash of the secret is stored"); // the secret (after mp_<prefix>_) may itself hold '_'
            Seed.Ok(await keys.RevokeAsync(pbx.Prefix, "test"));
        }

        await (await second.GetAsync("/api/v1/account")).ShouldBeProblemAsync(401, "unauthorized");
        await (await viaSecond.StartAsync("pbx-2", workspace)).ShouldBeProblemAsync(401, "unauthorized");
        await (await second.GetAsync($"/api/v1/workspaces/{workspace}/balance")).ShouldBeProblemAsync(401, "unauthorized");
        await (await account.Http.GetAsync("/api/v1/account")).ShouldBeAsync(200);
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(1, "the revoked key recorded nothing");
    }

    [Fact]
    public async Task A_key_with_a_right_prefix_but_a_wrong_secret_is_refused()
    {
        var account = await _host.AccountAsync("p100");
        var header = account.Http.DefaultRequestHeaders.Authorization!.Parameter!;
        var forged = header[..^4] + (header.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

        var workspace = (await account.CreateWorkspaceAsync()).GetProperty("id").GetGuid();
        using var client = _host.Client(forged);

        await (await client.GetAsync("/api/v1/account")).ShouldBeProblemAsync(401, "unauthorized");
        await (await (account with { Http = client }).StartAsync("forged-1", workspace)).ShouldBeProblemAsync(401, "unauthorized");
        await (await client.GetAsync($"/api/v1/workspaces/{workspace}/balance")).ShouldBeProblemAsync(401, "unauthorized");
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
    }
}
