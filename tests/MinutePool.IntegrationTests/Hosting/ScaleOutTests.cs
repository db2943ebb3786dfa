using System.Net;
using Microsoft.AspNetCore.Hosting;
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
    }

    private WebApplicationFactory<Program> Host() => new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
    {
        web.UseSetting("MinutePool:Database:Provider", "Postgres");
        web.UseSetting("ConnectionStrings:MinutePool", _database.ConnectionString);
        web.UseSetting("MinutePool:Demo:SeedOnEmptyDatabase", "false");
        web.UseSetting("MinutePool:Jobs:Enabled", "false");
    });
}
