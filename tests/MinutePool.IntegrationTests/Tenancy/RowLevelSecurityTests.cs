using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using MinutePool.Data.Migrations;
using MinutePool.Data.Notifications;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Tenancy;

/// <summary>
/// The app connected as a role that does not own the tables, with row-level security on: it works for two
/// accounts through the API, the pages and a job, and the database itself keeps them apart — raw SQL through
/// that role sees no tenant row without the setting, and only its own account's rows with it.
/// </summary>
public sealed class RowLevelSecurityTests : IAsyncLifetime
{
    private const string OperatorToken = "rls-operator";

    private readonly PostgresDatabase _database = new();
    private readonly string _role = "mp_app_" + Guid.NewGuid().ToString("N")[..10];
    private string _appConnection = "";

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync(); // migrated by the owner (the server's superuser)
        var database = new NpgsqlConnectionStringBuilder(_database.ConnectionString).Database;
        await Sql.ExecuteAsync(_database.ConnectionString, $"""
            CREATE ROLE {_role} LOGIN PASSWORD 'app' NOSUPERUSER NOBYPASSRLS;
            GRANT CONNECT ON DATABASE {database} TO {_role};
            GRANT USAGE ON SCHEMA public TO {_role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {_role};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {_role};
            """);
        _appConnection = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Username = _role, Password = "app" }.ToString();
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await Sql.ExecuteAsync(PostgresDatabase.ServerConnectionString, $"DROP ROLE IF EXISTS {_role}");
    }

    [Fact]
    public async Task The_app_works_under_row_level_security_and_the_database_keeps_accounts_apart()
    {
        await using var app = AppHosts.OnPostgres(_appConnection, jobs: false, ("MinutePool:Database:RowLevelSecurity", "true"), ("MinutePool:OperatorToken", OperatorToken));
        using var op = app.CreateClient();
        op.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
        await (await op.PostAsJsonAsync("/api/v1/plans", new { code = "p100", name = "P", minutesPerCycle = 100, price = new { amount = 10m, currency = "USD" } })).ShouldBeAsync(201);

        var (a, aId, aWorkspace) = await AccountWithUsageAsync(app, op, "rls-a@example.com", "Alpha room");
        var (b, bId, bWorkspace) = await AccountWithUsageAsync(app, op, "rls-b@example.com", "Bravo room");

        // Through the app: each sees itself, never the other.
        (await (await a.GetAsync($"/api/v1/workspaces/{bWorkspace}")).ShouldBeProblemAsync(404, "not_found")).Should().NotBeNull();
        var aCalls = await (await a.GetAsync("/api/v1/calls")).ShouldBeAsync(200);
        aCalls.GetProperty("items").GetArrayLength().Should().Be(3);
        var report = await (await a.GetAsync("/api/v1/reports/usage")).ShouldBeAsync(200);
        report.GetProperty("workspaces").EnumerateArray().Select(w => w.GetProperty("name").GetString()).Should().Equal("Alpha room");

        // The pages: sign-in finds the person's accounts (across accounts), then shows only that account.
        var browser = new CookieSession();
        using var pages = CookieSession.Client(app);
        (await browser.SignInAsync(pages, pages, "rls-b@example.com", "Rls-pass-123")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        using var workspaces = await browser.GetAsync(pages, "/settings/workspaces");
        var html = await workspaces.Content.ReadAsStringAsync();
        workspaces.StatusCode.Should().Be(HttpStatusCode.OK);
        html.Should().Contain("Bravo room").And.NotContain("Alpha room");

        // A job that works across accounts.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DeliverDueAsync();
        }

        // In the database, through the app's role: nothing without the setting, only A's rows with A's.
        foreach (var (table, column) in RowLevelSecurityPolicies.AllTenantTables)
        {
            (await CountAsync(_appConnection, null, $"SELECT count(*) FROM {table}")).Should().Be(0, "{0} shows nothing without a tenant", table);
            (await CountAsync(_appConnection, aId, $"SELECT count(*) FROM {table} WHERE {column} <> @a", aId)).Should().Be(0, "{0} shows only A's rows to A", table);
        }

        (await CountAsync(_appConnection, aId, "SELECT count(*) FROM calls")).Should().Be(3);
        (await CountAsync(_database.ConnectionString, null, "SELECT count(*) FROM calls")).Should().Be(6, "the owner sees both accounts' calls");
        const string insert = "INSERT INTO audit_entries (account_id, id, at, actor, action, subject) VALUES (@a, gen_random_uuid(), now(), 'rls-test', 'x', 'x') RETURNING 1";
        (await CountAsync(_appConnection, aId, insert, aId)).Should().Be(1, "A's connection writes A's rows");
        var writeIntoB = async () => await CountAsync(_appConnection, aId, insert, bId);
        (await writeIntoB.Should().ThrowAsync<PostgresException>("A's connection cannot write a row of B")).Which.SqlState.Should().Be("42501");
        (await b.GetAsync("/api/v1/account")).StatusCode.Should().Be(HttpStatusCode.OK);

        // The app remembers an account's state by its version, which the database's triggers bump: under the policies
        // too, an allocation changed beside the app through the app's role (another instance) shows in the next read.
        await (await a.PutAsJsonAsync("/api/v1/account/distribution", new { enabled = true })).ShouldBeAsync(200);
        var pooled = (await (await a.PostAsJsonAsync("/api/v1/workspaces", new { name = "Alpha pool" })).ShouldBeAsync(201)).GetProperty("id").GetGuid();
        (await PoolMinutesAsync(a, pooled)).Should().Be(100);
        (await CountAsync(_appConnection, aId, "UPDATE workspaces SET allocation_minutes = 30 WHERE id = @a RETURNING 1", aWorkspace)).Should().Be(1);
        (await PoolMinutesAsync(a, pooled)).Should().Be(70);
    }

    private static async Task<long> PoolMinutesAsync(HttpClient api, Guid workspace) =>
        (await (await api.GetAsync($"/api/v1/workspaces/{workspace}/balance")).ShouldBeAsync(200)).GetProperty("scopes").EnumerateArray()
            .Single(s => s.GetProperty("scope").GetString() == "unallocated_pool").GetProperty("totalSeconds").GetInt64() / 60;

    private static async Task<(HttpClient Api, Guid AccountId, Guid WorkspaceId)> AccountWithUsageAsync(WebApplicationFactory<Program> app, HttpClient op, string email, string workspaceName)
    {
        var created = await (await op.PostAsJsonAsync("/api/v1/accounts", new { name = workspaceName + " account", planCode = "p100", timeZone = "UTC", billingDay = 1, owner = new { email, password = "Rls-pass-123" } })).ShouldBeAsync(201);
        var api = app.CreateClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", created.GetProperty("apiKey").GetString());
        var workspace = (await (await api.PostAsJsonAsync("/api/v1/workspaces", new { name = workspaceName })).ShouldBeAsync(201)).GetProperty("id").GetGuid();
        await (await api.PostAsJsonAsync("/api/v1/calls", new { callId = "live-1", workspaceId = workspace })).ShouldBeAsync(201);
        await (await api.PostAsJsonAsync("/api/v1/calls/live-1/end", new { })).ShouldBeAsync(200);
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        var records = new[] { 1, 2 }.Select(i => new { callId = $"import-{i}", workspaceId = workspace, startedAt = start.AddMinutes(i), endedAt = start.AddMinutes(i + 3) });
        await (await api.PostAsJsonAsync("/api/v1/usage-records", new { records })).ShouldBeAsync(200);
        return (api, created.GetProperty("id").GetGuid(), workspace);
    }

    private static async Task<long> CountAsync(string connectionString, Guid? tenant, string sql, Guid? a = null)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        if (tenant is { } id)
        {
            await using var set = new NpgsqlCommand("SELECT set_config('minutepool.account_id', @id, false)", connection);
            set.Parameters.AddWithValue("id", id.ToString());
            await set.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(sql, connection);
        if (a is { } value)
        {
            command.Parameters.AddWithValue("a", value);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
