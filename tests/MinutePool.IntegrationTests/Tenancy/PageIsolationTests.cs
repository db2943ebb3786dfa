using System.Net;
using System.Net.Http.Json;
using MinutePool.IntegrationTests.Infrastructure;
using MinutePool.Web.Ui;

namespace MinutePool.IntegrationTests.Tenancy;

/// <summary>
/// Account A's owner, signed in, walks every page and download with account B's ids and names in the address
/// (and B's id in the account cookie): never B's data, never a server error.
/// </summary>
public sealed class PageIsolationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 15, 12, 0, 0, TimeSpan.Zero);

    private readonly ApiHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task As_A_every_page_and_download_with_Bs_ids_shows_none_of_B()
    {
        _host.Clock.Now = Now;
        await _host.PlanAsync("p1000", 1_000);
        var (_, a) = await AccountAsync("a-owner@example.com", "A-owner-pass-1");
        var (bId, b) = await AccountAsync("b-owner@example.com", "B-owner-pass-1");
        await (await a.PostAsJsonAsync("/api/v1/workspaces", new { name = "Alpha desk" })).ShouldBeAsync(201);
        await (await a.PostAsJsonAsync("/api/v1/workspaces", new { name = "<script>alert('x')</script> & \"Co\"" })).ShouldBeAsync(201);
        var bWorkspace = await (await b.PostAsJsonAsync("/api/v1/workspaces", new { name = "Bravo secret desk" })).ShouldBeAsync(201);
        var (bWorkspaceId, bUserId) = (bWorkspace.GetProperty("id").GetGuid(), bWorkspace.GetProperty("userId").GetString()!);
        var started = Now.AddHours(-1);
        await (await b.PostAsJsonAsync("/api/v1/usage-records", new { records = new[] { new { callId = "bravo-call-1", workspaceId = bWorkspaceId, startedAt = started, endedAt = started.AddMinutes(7), projectTag = "Bravo-matter" } } })).ShouldBeAsync(200);

        var browser = new CookieSession();
        using var client = CookieSession.Client(_host.Factory);
        (await browser.SignInAsync(client, client, "a-owner@example.com", "A-owner-pass-1")).StatusCode.Should().Be(HttpStatusCode.Redirect);
        browser.Cookies[UiSession.AccountCookie] = bId.ToString(); // a forged account choice is ignored

        var secretsOfB = new[] { "Bravo secret desk", bUserId, "Bravo-matter", "bravo-call-1", bWorkspaceId.ToString(), bId.ToString() };
        var day = "from=2026-11-01&to=2026-11-30";
        var pages = new[]
        {
            "/settings/calls", "/settings/workspaces", $"/settings/workspaces/{bWorkspaceId}", "/settings/workspaces/suggestions",
            "/settings/plan", "/settings/members", "/settings/api-keys", "/settings/audit", "/settings/notifications",
            "/settings/webhook", "/settings/jobs", "/settings/workspaces.csv",
            "/finance/usage", $"/finance/usage?{day}", "/finance/usage.csv", "/finance/usage.csv?by=tag", "/finance/statements",
            $"/finance/calls?workspace={bWorkspaceId}&{day}", $"/finance/calls?userId={bUserId}&{day}", $"/finance/calls?tag=Bravo-matter&{day}",
            $"/finance/calls?{day}", $"/finance/calls.csv?workspace={bWorkspaceId}&{day}", $"/finance/calls.csv?tag=Bravo-matter&{day}",
        };
        foreach (var page in pages)
        {
            using var response = await browser.GetAsync(client, page);
            var body = await response.Content.ReadAsStringAsync();
            ((int)response.StatusCode).Should().BeLessThan(500, page);
            response.StatusCode.Should().NotBe(HttpStatusCode.Redirect, "A is signed in ({0})", page);
            // What A typed into the address may be echoed back in the filter form; anything else of B may not appear.
            foreach (var secret in secretsOfB.Where(s => !page.Contains(s, StringComparison.Ordinal)))
            {
                body.Should().NotContain(secret, "{0} must show nothing of account B", page);
            }
        }

        // Text a user typed is shown as text: the HTML-looking workspace name is encoded on every page that shows it.
        foreach (var page in new[] { "/settings/workspaces", "/finance/usage" })
        {
            using var response = await browser.GetAsync(client, page);
            var html = await response.Content.ReadAsStringAsync();
            html.Should().Contain("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;Co&quot;", page).And.NotContain("<script>alert(", page);
        }

        // B's own data is untouched and still B's.
        var bCalls = await (await b.GetAsync("/api/v1/calls")).ShouldBeAsync(200);
        bCalls.GetProperty("items").GetArrayLength().Should().Be(1);
    }

    private async Task<(Guid Id, HttpClient Api)> AccountAsync(string email, string password)
    {
        using var op = _host.Operator();
        var created = await (await op.PostAsJsonAsync("/api/v1/accounts", new
        {
            name = "Account of " + email, planCode = "p1000", timeZone = "UTC", billingDay = 1, owner = new { email, password },
        })).ShouldBeAsync(201);
        return (created.GetProperty("id").GetGuid(), _host.Client(created.GetProperty("apiKey").GetString()));
    }
}
