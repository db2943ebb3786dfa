using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MinutePool.BrowserTests.Infrastructure;
using MinutePool.Data.Calls;
using static Microsoft.Playwright.Assertions;

namespace MinutePool.BrowserTests;

/// <summary>Finance → Calls behind the numbers: filter the demo's calls, page through them, download them as CSV.</summary>
public sealed class DrillDownTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Finance_filters_by_workspace_sees_the_calls_and_their_total_and_downloads_the_same_calls_as_csv()
    {
        await using var browser = await BrowserSession.OpenAsync(app, nameof(Finance_filters_by_workspace_sees_the_calls_and_their_total_and_downloads_the_same_calls_as_csv));
        var page = browser.Page;
        await browser.SignInAndLandAsync(AppFixture.FinanceEmail, AppFixture.Password);

        await browser.GotoAsync("/finance/calls", "all-calls");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Calls behind the numbers" })).ToBeVisibleAsync();

        var sales = await app.WorkspaceAsync("Sales");
        await page.GetByLabel("Workspace").SelectOptionAsync(new SelectOptionValue { Label = "Sales" });
        await browser.ClickAndWaitAsync(page.GetByRole(AriaRole.Button, new() { Name = "Show calls" }));
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"workspace={sales.Id}"));
        await browser.ShotAsync("sales");

        var expected = await TotalsAsync(new CallFilter(sales.Id, null, null, null));
        expected.Calls.Should().BeGreaterThan(CallDrillDownPageSize, "the demo has months of Sales calls, more than one page");
        await Expect(page.Locator("#calls-totals")).ToContainTextAsync($"{expected.Calls.ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en-US"))} calls");
        var rows = page.Locator("#calls-table tbody tr");
        await Expect(rows).ToHaveCountAsync(CallDrillDownPageSize);
        await Expect(rows.First.Locator("td").Nth(1)).ToHaveTextAsync("Sales");
        await Expect(rows.First.Locator("td").Nth(2)).ToHaveTextAsync(sales.UserId);

        await browser.ClickAndWaitAsync(page.GetByRole(AriaRole.Link, new() { Name = "Next page" }));
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "First page" })).ToBeVisibleAsync();
        // The total is of the filter, not of the page.
        await Expect(page.Locator("#calls-totals")).ToContainTextAsync($"{expected.Calls.ToString("N0", System.Globalization.CultureInfo.GetCultureInfo("en-US"))} calls");
        await browser.ShotAsync("sales-page-2");

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" }).ClickAsync());
        var path = await download.PathAsync();
        var bytes = await File.ReadAllBytesAsync(path);
        bytes.Take(3).Should().Equal(Encoding.UTF8.GetPreamble());
        var lines = Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Length.Should().Be((int)(expected.Calls + expected.ActiveCalls) + 1, "every Sales call, not only the page shown");
        lines.Skip(1).Should().OnlyContain(l => l.Contains($",Sales,{sales.UserId},", StringComparison.Ordinal));

        // A filter that cannot be read is explained on the page, not answered with an error page.
        var bad = await browser.GotoAsync("/finance/calls?minMinutes=ten&to=2026-13-40", "bad-filter");
        bad.Status.Should().Be(200);
        await Expect(page.Locator("#filter-problem")).ToContainTextAsync("is not a date");
    }

    [Fact]
    public async Task Staff_is_refused_the_page_and_the_csv()
    {
        using var client = FormClient.For(app);
        await client.SignInOrFailAsync(AppFixture.StaffEmail, AppFixture.Password);
        (await client.GetAsync("/finance/calls")).Status.Should().Be(HttpStatusCode.Forbidden);
        using var csv = await client.Http.GetAsync("/finance/calls.csv");
        csv.StatusCode.Should().Be(HttpStatusCode.Forbidden);

        using var finance = FormClient.For(app);
        await finance.SignInOrFailAsync(AppFixture.FinanceEmail, AppFixture.Password);
        using var refused = await finance.Http.GetAsync("/finance/calls.csv?userId=12");
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("user ID");
    }

    private const int CallDrillDownPageSize = MinutePool.Web.Ui.CallDrillDown.PageSize;

    private async Task<CallTotals> TotalsAsync(CallFilter filter)
    {
        await using var scope = app.AccountScope();
        var totals = await scope.ServiceProvider.GetRequiredService<CallQueries>().TotalsAsync(filter);
        return totals.Value;
    }
}
