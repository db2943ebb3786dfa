using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MinutePool.Data.Accounts;

namespace MinutePool.IntegrationTests.Infrastructure;

/// <summary>
/// The real app (every middleware and endpoint) on a fresh PostgreSQL database (or the given one, e.g. SQLite), with
/// the test clock and an operator token; no demo seed. One per test class.
/// </summary>
public sealed class ApiHost(TestDatabase? database = null) : IAsyncLifetime
{
    public const string OperatorToken = "test-operator-token";

    private readonly TestDatabase _database = database ?? new PostgresDatabase { Migrate = false };
    private WebApplicationFactory<Program> _factory = null!;

    public TestClock Clock => _database.Clock;

    public TestDatabase Database => _database;

    public IServiceProvider Services => _factory.Services;

    public WebApplicationFactory<Program> Factory => _factory;

    public Dictionary<string, string?> Settings { get; } = new();

    /// <summary>What the app logged, at every level.</summary>
    public CapturedLogs Logs { get; } = new();

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("MinutePool:Database:Provider", _database.Provider.ToString());
            web.UseSetting("ConnectionStrings:MinutePool", _database.ConnectionString);
            web.UseSetting("MinutePool:Demo:SeedOnEmptyDatabase", "false");
            web.UseSetting("MinutePool:OperatorToken", OperatorToken);
            web.UseSetting("MinutePool:Jobs:Enabled", "false");
            web.UseSetting("MinutePool:Database:GroupCommit", _database.GroupCommit.ToString());
            foreach (var (key, value) in Settings)
            {
                web.UseSetting(key, value);
            }

            web.ConfigureServices(services =>
            {
                services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_database.Clock));
                services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);
            });
        });
        _factory.CreateClient().Dispose();
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    public HttpClient Client(string? bearer = null)
    {
        var client = _factory.CreateClient();
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return client;
    }

    public HttpClient Operator() => Client(OperatorToken);

    /// <summary>A further API key of the account (as a telephony system would hold), and a client that sends it.</summary>
    public async Task<(string Prefix, AccountClient Client)> SecondKeyAsync(AccountClient account)
    {
        await using var scope = AppScope(account.Id);
        var created = Seed.Ok(await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("PBX", "test"));
        return (created.Key.Prefix, account with { Http = Client(created.PlainText) });
    }

    public async Task RevokeKeyAsync(AccountClient account, string prefix)
    {
        await using var scope = AppScope(account.Id);
        Seed.Ok(await scope.ServiceProvider.GetRequiredService<ApiKeyService>().RevokeAsync(prefix, "test"));
    }

    /// <summary>A scope of the app's own services acting for the account.</summary>
    private AsyncServiceScope AppScope(Guid accountId)
    {
        var scope = Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<MinutePool.Data.Tenancy.TenantContext>().Set(accountId);
        return scope;
    }

    /// <summary>Creates a plan unless it exists.</summary>
    public async Task PlanAsync(string code, int minutes, int increment = 1, int minimumSeconds = 30, int? concurrentCallLimit = null)
    {
        using var client = Operator();
        var response = await client.PostAsJsonAsync("/api/v1/plans", new
        {
            code, name = code, minutesPerCycle = minutes, price = new { amount = 100.00m, currency = "USD" },
            billingIncrementSeconds = increment, minimumBillableSeconds = minimumSeconds, concurrentCallLimit,
        });
        if ((int)response.StatusCode != 409)
        {
            await response.ShouldBeAsync(201);
        }
    }

    /// <summary>Creates an account through the operator API and returns a client holding its API key.</summary>
    public async Task<AccountClient> AccountAsync(string planCode, string timeZone = "UTC", int billingDay = 1, bool distribution = false)
    {
        using var client = Operator();
        var response = await client.PostAsJsonAsync("/api/v1/accounts", new
        {
            name = "Account " + Guid.NewGuid().ToString("N")[..6], planCode, timeZone, billingDay,
            owner = new { email = $"owner-{Guid.NewGuid():N}@example.com", password = "Secret-pass-1" },
        });
        var body = await response.ShouldBeAsync(201);
        var account = new AccountClient(Client(body.GetProperty("apiKey").GetString()), body.GetProperty("id").GetGuid());
        if (distribution)
        {
            await (await account.Http.PutAsJsonAsync("/api/v1/account/distribution", new { enabled = true })).ShouldBeAsync(200);
        }

        return account;
    }
}

public sealed record AccountClient(HttpClient Http, Guid Id)
{
    public async Task<JsonElement> CreateWorkspaceAsync(string name = "Workspace", int? allocationMinutes = null, int? resetDay = null, int? concurrentCallLimit = null)
    {
        var response = await Http.PostAsJsonAsync("/api/v1/workspaces", new { name, kind = "department", allocationMinutes, resetDay, concurrentCallLimit });
        return await response.ShouldBeAsync(201);
    }

    public Task<HttpResponseMessage> StartAsync(string callId, Guid workspaceId, DateTimeOffset? startedAt = null) =>
        Http.PostAsJsonAsync("/api/v1/calls", new { callId, workspaceId, startedAt });

    public Task<HttpResponseMessage> EndAsync(string callId, DateTimeOffset? endedAt = null) =>
        Http.PostAsJsonAsync($"/api/v1/calls/{Uri.EscapeDataString(callId)}/end", new { endedAt });

    public async Task<JsonElement> GetAsync(string path) => await (await Http.GetAsync(path)).ShouldBeAsync(200);
}

public static class HttpAssertions
{
    /// <summary>Asserts the status and returns the JSON body (or an empty element).</summary>
    public static async Task<JsonElement> ShouldBeAsync(this HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, "the body was: {0}", text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts a problem document with the API's code.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, int status, string code)
    {
        var body = await response.ShouldBeAsync(status);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        body.GetProperty("code").GetString().Should().Be(code);
        return body;
    }

    public static Guid Id(this JsonElement element) => element.GetProperty("id").GetGuid();
}
