using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data;
using MinutePool.IntegrationTests.Infrastructure;
using MinutePool.Web.Demo;
using MinutePool.Web.Hosting;

namespace MinutePool.IntegrationTests.Hosting;

/// <summary>
/// Two app instances against one PostgreSQL, started together: both migrate safely, and a person signed in
/// through one is signed in on the other, because the data-protection keys live in the database.
/// </summary>
public sealed class ScaleOutTests : IAsyncLifetime
{
    private readonly PostgresDatabase _database = new() { Migrate = false };

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Two_instances_start_together_and_a_sign_in_on_one_is_accepted_by_the_other()
    {
        await using var first = Host();
        await using var second = Host();
        var started = await Task.WhenAll(Task.Run(() => first.CreateClient()), Task.Run(() => second.CreateClient()));
        foreach (var client in started)
        {
            (await client.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
            client.Dispose();
        }

        DemoSignIns demo;
        await using (var scope = first.Services.CreateAsyncScope())
        {
            demo = (await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedIfEmptyAsync())!;
            var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
            (await db.Database.SqlQueryRaw<string>("SELECT \"MigrationId\" AS \"Value\" FROM \"__EFMigrationsHistory\"").ToListAsync())
                .Should().OnlyHaveUniqueItems("each migration was applied once although both instances started at once");
        }

        var owner = demo.People.Single(p => p.Role == Core.Accounts.AccountRole.Owner);
        var browser = new CookieSession();

        // The form and its antiforgery token come from the first instance; the post goes to the second.
        using var toFirst = CookieSession.Client(first);
        using var toSecond = CookieSession.Client(second);
        using var signedIn = await browser.SignInAsync(toFirst, toSecond, owner.Email, owner.Password);
        signedIn.StatusCode.Should().Be(HttpStatusCode.Redirect, "the second instance accepts the first one's antiforgery token");
        browser.Cookies.Should().ContainKey("minutepool.auth");

        // The cookie the second instance issued opens the owner's pages on the first.
        using var page = await browser.GetAsync(toFirst, "/settings/workspaces");
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        (await page.Content.ReadAsStringAsync()).Should().Contain(WebUtility.HtmlEncode(demo.AccountName));
        page.Headers.GetValues("Content-Security-Policy").Single().Should().Be(SecurityHeaders.ContentSecurityPolicy);

        // On one machine both instances could also have found a key ring in the user profile: the keys must be in the database.
        await using var check = second.Services.CreateAsyncScope();
        (await check.ServiceProvider.GetRequiredService<MinutePoolDbContext>().DataProtectionKeys.CountAsync()).Should().BeGreaterThan(0);

        // Calls driven alternately through both instances, concurrently: the balances are exact.
        using var apiFirst = first.CreateClient();
        using var apiSecond = second.CreateClient();
        foreach (var client in new[] { apiFirst, apiSecond })
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", demo.ApiKey);
        }

        // A new workspace on the account's unallocated pool, so the demo's own usage cannot run it out of minutes.
        var workspaceId = (await (await apiFirst.PostAsJsonAsync("/api/v1/workspaces", new { name = "Scale-out desk" })).ShouldBeAsync(201)).GetProperty("id").GetGuid();
        var now = DateTimeOffset.UtcNow;
        var expected = 0L;
        var sends = new List<Task>();
        for (var i = 0; i < 40; i++)
        {
            var (startOn, endOn) = i % 2 == 0 ? (apiFirst, apiSecond) : (apiSecond, apiFirst);
            var callStart = now.AddMinutes(-30).AddSeconds(i * 20);
            var seconds = 45 + i;
            expected += seconds;
            var id = $"scale-{i}";
            sends.Add(Task.Run(async () =>
            {
                await (await startOn.PostAsJsonAsync("/api/v1/calls", new { callId = id, workspaceId, startedAt = callStart })).ShouldBeAsync(201);
                await (await endOn.PostAsJsonAsync($"/api/v1/calls/{id}/end", new { endedAt = callStart.AddSeconds(seconds) })).ShouldBeAsync(200);
                await (await startOn.PostAsJsonAsync($"/api/v1/calls/{id}/end", new { endedAt = callStart.AddSeconds(seconds) })).ShouldBeAsync(200); // a retry on the other instance
            }));
        }

        await Task.WhenAll(sends);
        var after = (await (await apiSecond.GetAsync($"/api/v1/workspaces/{workspaceId}")).ShouldBeAsync(200)).GetProperty("usedSeconds").GetInt64();
        after.Should().Be(expected, "each call is charged once, whichever instance took it");
    }

    private WebApplicationFactory<Program> Host() => AppHosts.OnPostgres(_database.ConnectionString);
}
