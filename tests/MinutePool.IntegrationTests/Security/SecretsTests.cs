using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data.Notifications;
using MinutePool.Data.Tenancy;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Security;

/// <summary>
/// Passcodes, API keys, webhook secrets and passwords are shown once when created and never again: not in
/// a later answer, not in any log line (at any level, with its structured values), not in an error.
/// </summary>
public sealed class SecretsTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Secrets_appear_once_in_their_creating_answer_and_never_in_logs_or_later_answers()
    {
        await _host.PlanAsync("p100", 100);
        const string ownerPassword = "Owner-Pa55-word-unique";
        using var op = _host.Operator();
        var created = await (await op.PostAsJsonAsync("/api/v1/accounts", new
        {
            name = "Secretive", planCode = "p100", timeZone = "UTC", billingDay = 1,
            owner = new { email = "secretive-owner@example.com", password = ownerPassword },
        })).ShouldBeAsync(201);
        var apiKey = created.GetProperty("apiKey").GetString()!;
        var accountId = created.GetProperty("id").GetGuid();
        using var api = _host.Client(apiKey);

        var workspace = await (await api.PostAsJsonAsync("/api/v1/workspaces", new { name = "Desk" })).ShouldBeAsync(201);
        var workspaceId = workspace.GetProperty("id").GetGuid();
        var userId = workspace.GetProperty("userId").GetString()!;
        var firstPasscode = workspace.GetProperty("passcode").GetString()!;
        var rotated = await (await api.PostAsync($"/api/v1/workspaces/{workspaceId}/passcode", null)).ShouldBeAsync(200);
        var passcode = rotated.GetProperty("passcode").GetString()!;

        // Using them, rightly and wrongly: the refusals must not echo what was tried.
        await (await api.PostAsJsonAsync("/api/v1/calls", new { callId = "by-passcode", userId, passcode })).ShouldBeAsync(201);
        await (await api.PostAsJsonAsync("/api/v1/calls", new { callId = "old-passcode", userId, passcode = firstPasscode })).ShouldBeProblemAsync(401, "invalid_passcode");
        using var wrongKey = _host.Client(apiKey[..^4] + "xxxx");
        await (await wrongKey.GetAsync("/api/v1/account")).ShouldBeProblemAsync(401, "unauthorized");

        string webhookSecret;
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<TenantContext>().Set(accountId);
            webhookSecret = (await scope.ServiceProvider.GetRequiredService<WebhookService>().ConfigureAsync("https://hooks.example.com/in", "owner")).Value.NewSecret!;
        }

        var later = string.Join("\n", await Task.WhenAll(
            api.GetStringAsync("/api/v1/account"),
            api.GetStringAsync("/api/v1/workspaces"),
            api.GetStringAsync($"/api/v1/workspaces/{workspaceId}"),
            api.GetStringAsync("/api/v1/calls")));
        var secrets = new[] { apiKey, apiKey[(apiKey.IndexOf('_', 3) + 1)..], firstPasscode, passcode, ownerPassword, webhookSecret };
        foreach (var secret in secrets)
        {
            later.Should().NotContain(secret);
        }

        var logs = _host.Logs.Lines.ToList();
        logs.Should().NotBeEmpty("the app logs its requests and queries");
        foreach (var secret in secrets)
        {
            logs.Where(l => l.Contains(secret, StringComparison.Ordinal)).Should().BeEmpty("a secret never reaches a log");
        }
    }

    [Theory]
    [InlineData("/api/v1/account")]
    [InlineData("/signin")]
    [InlineData("/health/ready")]
    [InlineData("/no-such-page")]
    public async Task Every_answer_carries_the_security_headers(string path)
    {
        using var client = _host.Client("mp_000000000000_not-a-key");
        using var response = await client.GetAsync(path);

        response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("frame-ancestors 'none'").And.Contain("script-src 'self';");
        response.Headers.GetValues("X-Content-Type-Options").Single().Should().Be("nosniff");
        response.Headers.GetValues("X-Frame-Options").Single().Should().Be("DENY");
        response.Headers.GetValues("Referrer-Policy").Single().Should().Be("strict-origin-when-cross-origin");
    }
}
