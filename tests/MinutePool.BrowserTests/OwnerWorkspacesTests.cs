using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MinutePool.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MinutePool.BrowserTests;

/// <summary>The owner's everyday job in Settings → Workspaces: distribution, allocations, reset days.</summary>
public sealed class OwnerWorkspacesTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const int PlanMinutes = 6_000;
    private static readonly CultureInfo UsEnglish = CultureInfo.GetCultureInfo("en-US");

    [Fact]
    public async Task Owner_toggles_distribution_sets_allocations_within_the_plan_is_refused_beyond_it_and_sets_a_reset_day()
    {
        await using var browser = await BrowserSession.OpenAsync(app, nameof(Owner_toggles_distribution_sets_allocations_within_the_plan_is_refused_beyond_it_and_sets_a_reset_day));
        var page = browser.Page;

        await browser.SignInAndLandAsync(AppFixture.OwnerEmail, AppFixture.Password);

        // Settings → Workspaces from the navigation.
        await browser.ClickAndWaitAsync(browser.Nav.GetByRole(AriaRole.Link, new() { Name = "Workspaces", Exact = true }));
        await Expect(page).ToHaveURLAsync(new Regex("/settings/workspaces$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Workspaces", Exact = true })).ToBeVisibleAsync();
        await ExpectFreeMinutesAsync(page, PlanMinutes - 5_300);
        await browser.ShotAsync("workspaces");

        // Distribution off, then on again; the state text follows, and so does the account.
        var state = page.Locator("#distribution-state");
        await Expect(state).ToContainTextAsync("On:");
        await browser.ClickAndWaitAsync(page.GetByRole(AriaRole.Button, new() { Name = "Turn minute distribution off" }));
        await Expect(state).ToContainTextAsync("Off: all workspaces share the account's minutes");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Turn minute distribution on" })).ToBeVisibleAsync();
        (await app.SummaryAsync()).Account.DistributionEnabled.Should().BeFalse();
        await browser.ShotAsync("distribution-off");

        await browser.ClickAndWaitAsync(page.GetByRole(AriaRole.Button, new() { Name = "Turn minute distribution on" }));
        await Expect(state).ToContainTextAsync("On: each workspace's allocation is enforced");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Turn minute distribution off" })).ToBeVisibleAsync();
        (await app.SummaryAsync()).Account.DistributionEnabled.Should().BeTrue();
        await browser.ShotAsync("distribution-on");

        // Lower Sales from 2,000 to 1,500: 1,200 minutes become free.
        await OpenWorkspaceAsync(browser, "Sales");
        await Expect(Allocation(page)).ToHaveValueAsync("2000");
        await Allocation(page).FillAsync("1500");
        await SaveAsync(browser, "sales-saved");
        await Expect(page.Locator("#saved-notice")).ToHaveTextAsync("Workspace saved.");
        (await app.WorkspaceAsync("Sales")).AllocationMinutes.Should().Be(1_500);

        // Raise Berlin Office from 1,000 to 2,000, within the free minutes.
        await BackToWorkspacesAsync(browser);
        await ExpectFreeMinutesAsync(page, PlanMinutes - 4_800);
        await OpenWorkspaceAsync(browser, "Berlin Office");
        await Expect(Allocation(page)).ToHaveValueAsync("1000");
        await Allocation(page).FillAsync("2000");
        await SaveAsync(browser, "berlin-saved");
        await Expect(page.Locator("#saved-notice")).ToHaveTextAsync("Workspace saved.");
        (await app.WorkspaceAsync("Berlin Office")).AllocationMinutes.Should().Be(2_000);

        await BackToWorkspacesAsync(browser);
        await ExpectFreeMinutesAsync(page, PlanMinutes - 5_800);
        await Expect(LimitCell(page, "Sales")).ToHaveTextAsync("1,500 min");
        await Expect(LimitCell(page, "Berlin Office")).ToHaveTextAsync("2,000 min");

        // More than is free for Project Atlas: refused next to the field, with the minutes still free; nothing saved.
        var before = await app.WorkspacesAsync();
        var atlas = before.Single(w => w.Name == "Project Atlas");
        var free = PlanMinutes - before.Where(w => w.Id != atlas.Id).Sum(w => w.AllocationMinutes ?? 0);
        free.Should().Be(1_000, "6,000 minus Northwind 1,500, Sales 1,500 and Berlin 2,000");
        await OpenWorkspaceAsync(browser, "Project Atlas");
        await Expect(page.Locator("#free-minutes")).ToHaveTextAsync(Minutes(free));
        await Allocation(page).FillAsync((free + 1).ToString(CultureInfo.InvariantCulture));
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Project Atlas (renamed)");
        await browser.ClickAndWaitAsync(page.GetByRole(AriaRole.Button, new() { Name = "Save Workspace" }));
        var allocationField = page.Locator(".field").Filter(new() { Has = Allocation(page) });
        await Expect(allocationField.Locator(".validation-message"))
            .ToHaveTextAsync($"Only {free.ToString("#,0", UsEnglish)} minutes are still free to allocate.");
        await Expect(page.Locator("#saved-notice")).ToHaveCountAsync(0);
        await browser.ShotAsync("atlas-refused");

        (await app.WorkspacesAsync()).Should().BeEquivalentTo(before, "a refused save changes nothing, not even the name");
        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Project Atlas", Exact = true })).ToBeVisibleAsync();
        await Expect(Allocation(page)).ToHaveValueAsync("800");
        await Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Project Atlas");
        await browser.ShotAsync("atlas-reloaded");
        await BackToWorkspacesAsync(browser);
        await Expect(LimitCell(page, "Project Atlas")).ToHaveTextAsync("800 min");
        await ExpectFreeMinutesAsync(page, PlanMinutes - 5_800);

        // Reset day 20 for Project Atlas (it followed the billing day, 5).
        await Expect(Row(page, "Project Atlas").Locator("[data-col=reset]")).ToContainTextAsync("(day 5)");
        await OpenWorkspaceAsync(browser, "Project Atlas");
        await page.GetByLabel("Reset day").FillAsync("20");
        await SaveAsync(browser, "atlas-reset-day-saved");
        await Expect(page.Locator("#saved-notice")).ToHaveTextAsync("Workspace saved.");
        await Expect(page.GetByLabel("Reset day")).ToHaveValueAsync("20");
        await BackToWorkspacesAsync(browser);
        await Expect(Row(page, "Project Atlas").Locator("[data-col=reset]")).ToContainTextAsync("(day 20)");
        await Expect(LimitCell(page, "Project Atlas")).ToHaveTextAsync("800 min");
        (await app.WorkspaceAsync("Project Atlas")).ResetDay.Should().Be(20);
        await browser.ShotAsync("final-table");
    }

    private static ILocator Allocation(IPage page) => page.GetByLabel("Monthly allocation (minutes)");

    private static ILocator Row(IPage page, string workspace) =>
        page.Locator("#workspaces-table tbody tr").Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = workspace, Exact = true }) });

    private static ILocator LimitCell(IPage page, string workspace) => Row(page, workspace).Locator("[data-col=limit]");

    private static string Minutes(long minutes) => minutes.ToString("#,0", UsEnglish) + " min";

    private static async Task ExpectFreeMinutesAsync(IPage page, long free) =>
        await Expect(page.Locator("#free-minutes")).ToHaveTextAsync(Minutes(free));

    /// <summary>Clicks the workspace's name in the table and waits for its editor.</summary>
    private static async Task OpenWorkspaceAsync(BrowserSession browser, string name)
    {
        var page = browser.Page;
        await browser.ClickAndWaitAsync(page.Locator("#workspaces-table").GetByRole(AriaRole.Link, new() { Name = name, Exact = true }));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = name, Exact = true })).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/settings/workspaces/[0-9a-f-]{36}$"));
        await browser.ShotAsync("edit-" + name);
    }

    private static async Task SaveAsync(BrowserSession browser, string step)
    {
        await browser.ClickAndWaitAsync(browser.Page.GetByRole(AriaRole.Button, new() { Name = "Save Workspace" }));
        await Expect(browser.Page.Locator("#saved-notice")).ToBeVisibleAsync();
        await browser.ShotAsync(step);
    }

    private static async Task BackToWorkspacesAsync(BrowserSession browser)
    {
        await browser.ClickAndWaitAsync(browser.Page.GetByRole(AriaRole.Link, new() { Name = "← Workspaces" }));
        await Expect(browser.Page.Locator("#workspaces-table")).ToBeVisibleAsync();
        await browser.ShotAsync("workspaces");
    }
}
