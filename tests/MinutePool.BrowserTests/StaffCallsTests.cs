using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using MinutePool.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MinutePool.BrowserTests;

/// <summary>Staff, scoped to the workspace "Sales": Settings → Calls shows the cycle and the workspace; no workspace admin.</summary>
public sealed partial class StaffCallsTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static readonly CultureInfo UsEnglish = CultureInfo.GetCultureInfo("en-US");

    [Fact]
    public async Task Staff_sees_allocated_used_and_remaining_for_the_cycle_and_their_workspace_but_not_workspace_settings()
    {
        await using var browser = await BrowserSession.OpenAsync(app, nameof(Staff_sees_allocated_used_and_remaining_for_the_cycle_and_their_workspace_but_not_workspace_settings));
        var page = browser.Page;

        await browser.SignInAndLandAsync(AppFixture.StaffEmail, AppFixture.Password);

        // The account's billing cycle: the plan's 6,000 minutes, what the account used, what remains.
        var summary = await app.SummaryAsync();
        var account = page.Locator("#account-usage");
        await Expect(account.GetByRole(AriaRole.Heading)).ToContainTextAsync(AppFixture.AccountName);
        await ExpectFiguresAsync(account, summary.Balance.TotalSeconds, summary.Balance.UsedSeconds);
        await Expect(account.Locator("[data-figure=allocated]")).ToHaveTextAsync("6,000 min");

        // Their workspace, Sales: its 2,000-minute allocation for its own period.
        var sales = await app.WorkspaceAsync("Sales");
        var salesView = await app.WorkspaceViewAsync(sales.Id);
        var workspace = page.Locator("#workspace-usage");
        await Expect(workspace.GetByRole(AriaRole.Heading)).ToContainTextAsync("Sales");
        await ExpectFiguresAsync(workspace, 2_000 * 60, salesView.UsedSeconds);
        await Expect(workspace.Locator("[data-figure=allocated]")).ToHaveTextAsync("2,000 min");
        await browser.ShotAsync("calls");

        // No way to the workspace settings: no link, and the address answers 403.
        await Expect(browser.Nav.GetByRole(AriaRole.Link, new() { Name = "Calls", Exact = true })).ToBeVisibleAsync();
        await Expect(browser.Nav.GetByRole(AriaRole.Link, new() { Name = "Workspaces", Exact = true })).ToHaveCountAsync(0);
        var response = await browser.GotoAsync("/settings/workspaces", "workspaces-refused");
        response.Status.Should().Be(403);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await Expect(page.Locator("#workspaces-table")).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" })).ToHaveCountAsync(0);

        var edit = await browser.GotoAsync($"/settings/workspaces/{sales.Id}", "workspace-edit-refused");
        edit.Status.Should().Be(403);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save Workspace" })).ToHaveCountAsync(0);
    }

    /// <summary>Time Allocated / Currently Used / Time Remaining, as whole minutes with thousands separators and "min".</summary>
    private static async Task ExpectFiguresAsync(ILocator card, long totalSeconds, long usedSeconds)
    {
        await Expect(card.GetByText("Time Allocated", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(card.GetByText("Currently Used", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(card.GetByText("Time Remaining", new() { Exact = true })).ToBeVisibleAsync();

        var allocated = await card.Locator("[data-figure=allocated]").InnerTextAsync();
        var used = await card.Locator("[data-figure=used]").InnerTextAsync();
        var remaining = await card.Locator("[data-figure=remaining]").InnerTextAsync();
        foreach (var figure in new[] { allocated, used, remaining })
        {
            figure.Should().MatchRegex(MinutesFigure(), "figures are whole minutes with thousands separators");
        }

        allocated.Should().Be(Minutes(totalSeconds));
        used.Should().Be(Minutes(usedSeconds));
        // Remaining is shown as whole minutes allocated less whole minutes used, so the figures add up.
        var left = (totalSeconds / 60) - (usedSeconds / 60);
        remaining.Should().Be(left < 0 ? $"{(-left).ToString("#,0", UsEnglish)} min over" : $"{left.ToString("#,0", UsEnglish)} min");
    }

    private static string Minutes(long seconds) => (seconds / 60).ToString("#,0", UsEnglish) + " min";

    [GeneratedRegex(@"^\d{1,3}(,\d{3})* min( over)?$")]
    private static partial Regex MinutesFigure();
}
