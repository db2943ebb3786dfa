using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MinutePool.BrowserTests.Infrastructure;
using MinutePool.Data;
using MinutePool.Data.Billing;
using static Microsoft.Playwright.Assertions;

namespace MinutePool.BrowserTests;

/// <summary>Finance on the demo's three months of calls: the report, its charts, the CSV, the drill-down and the statements.</summary>
public sealed class FinanceReportTests(AppFixture app) : IClassFixture<AppFixture>
{
    private static readonly CultureInfo UsEnglish = CultureInfo.GetCultureInfo("en-US");

    [Fact]
    public async Task Finance_opens_the_report_sees_totals_equal_to_the_calls_a_rendered_chart_downloads_the_csv_and_drills_down()
    {
        await using var browser = await BrowserSession.OpenAsync(app, nameof(Finance_opens_the_report_sees_totals_equal_to_the_calls_a_rendered_chart_downloads_the_csv_and_drills_down));
        var page = browser.Page;
        await browser.SignInAndLandAsync(AppFixture.FinanceEmail, AppFixture.Password);

        await browser.ClickAndWaitAsync(browser.Nav.GetByRole(AriaRole.Link, new() { Name = "Reports", Exact = true }));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Usage report", Exact = true })).ToBeVisibleAsync();

        // The totals are the calls of the current cycle, and the cost shares add up to the plan price.
        var summary = await app.SummaryAsync();
        var (calls, seconds) = await CallsInAsync(summary.Cycle.Start, summary.Cycle.End);
        calls.Should().BeGreaterThan(0, "the demo has calls in the current cycle");
        await Expect(page.Locator("#total-calls")).ToHaveTextAsync(calls.ToString("N0", UsEnglish));
        await Expect(page.Locator("#total-billable")).ToHaveTextAsync($"{seconds / 3600:N0}:{seconds / 60 % 60:00}:{seconds % 60:00}");
        var price = $"{summary.Plan.PriceAmount.ToString("N2", UsEnglish)} {summary.Plan.Currency}";
        await Expect(page.Locator("#total-cost")).ToHaveTextAsync(price);
        await Expect(page.Locator("#report-table tbody tr")).ToHaveCountAsync((await app.WorkspacesAsync()).Count);
        await Expect(page.Locator("#tag-table tbody tr").First).ToBeVisibleAsync();

        // The daily chart is drawn by Chart.js with one stacked series per workspace that used minutes.
        var daily = page.Locator("canvas#chart-daily");
        await Expect(daily).ToHaveAttributeAsync("data-rendered", "true");
        var datasets = await page.EvaluateAsync<int>("() => Chart.getChart(document.getElementById('chart-daily')).data.datasets.length");
        datasets.Should().BeGreaterThan(0);
        var points = await page.EvaluateAsync<long>("() => Chart.getChart(document.getElementById('chart-daily')).data.datasets.flatMap(d => d.data).reduce((a, b) => a + b, 0)");
        points.Should().BeGreaterThan(0, "the chart shows the cycle's usage");
        await Expect(page.Locator("canvas#chart-cycles")).ToHaveAttributeAsync("data-rendered", "true");
        await Expect(page.Locator("canvas#chart-allocation")).ToHaveAttributeAsync("data-rendered", "true");
        await browser.ShotAsync("report");

        // The CSV by workspace downloads: UTF-8 with a byte-order mark, a header and one row per workspace.
        var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("#csv-workspaces").ClickAsync());
        download.SuggestedFilename.Should().MatchRegex(@"^usage-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$");
        var bytes = await File.ReadAllBytesAsync((await download.PathAsync())!);
        bytes.Take(3).Should().Equal(Encoding.UTF8.GetPreamble());
        var lines = Encoding.UTF8.GetString(bytes.AsSpan(3)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("workspace_id,name,user_id,calls,billable_seconds,allocation_minutes,overage_seconds,cost_share,currency");
        lines.Should().HaveCount(1 + (await app.WorkspacesAsync()).Count);

        // From a workspace's number to the calls behind it: the same count and the same billable time.
        var first = page.Locator("#report-table tbody tr").First;
        var expectedCalls = await first.Locator("a.drill").InnerTextAsync();
        var expectedBillable = await first.Locator("td").Nth(2).InnerTextAsync();
        await browser.ClickAndWaitAsync(first.Locator("a.drill"));
        page.Url.Should().Contain("/finance/calls?workspace=");
        await Expect(page.Locator("#calls-totals strong")).ToHaveTextAsync($"{expectedCalls} call{(expectedCalls == "1" ? "" : "s")}, {expectedBillable} billable");
        await Expect(page.Locator("#calls-table tbody tr").First).ToBeVisibleAsync();
        await browser.ShotAsync("drill-down");

        // And from a project tag's number.
        await page.GoBackAsync();
        var tagRow = page.Locator("#tag-table tbody tr").First;
        var tagCalls = await tagRow.Locator("td").First.InnerTextAsync();
        await browser.ClickAndWaitAsync(tagRow.Locator("td a").First);
        page.Url.Should().Contain("tag=");
        await Expect(page.Locator("#calls-totals strong")).ToContainTextAsync($"{tagCalls} call");
    }

    [Fact]
    public async Task A_closed_cycle_has_a_statement_whose_shares_add_up_to_the_price_and_staff_may_not_see_reports()
    {
        await using (var scope = app.AccountScope())
        {
            await scope.ServiceProvider.GetRequiredService<StatementCloser>().CloseAsync();
        }

        await using var browser = await BrowserSession.OpenAsync(app, nameof(A_closed_cycle_has_a_statement_whose_shares_add_up_to_the_price_and_staff_may_not_see_reports));
        var page = browser.Page;
        await browser.SignInAndLandAsync(AppFixture.OwnerEmail, AppFixture.Password);
        (await browser.GotoAsync("/finance/statements", "statements")).Status.Should().Be(200);
        await Expect(page.Locator("#statement-table tbody tr").First).ToBeVisibleAsync();
        var shares = await page.Locator("#statement-table tbody td:last-child").AllInnerTextsAsync();
        var total = await page.Locator("#statement-total").InnerTextAsync();
        var currency = total.Split(' ')[1];
        shares.Sum(s => decimal.Parse(s.Split(' ')[0], NumberStyles.Number, UsEnglish)).Should().Be(decimal.Parse(total.Split(' ')[0], NumberStyles.Number, UsEnglish));
        shares.Should().OnlyContain(s => s.EndsWith(currency, StringComparison.Ordinal));
        await Expect(page.Locator("#print-statement")).ToBeVisibleAsync();

        // Printed, the page is the statement alone: no navigation, no forms.
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Expect(browser.Nav).ToBeHiddenAsync();
        await Expect(page.Locator("#statement-form")).ToBeHiddenAsync();
        await browser.ShotAsync("statement-print");
        await page.EmulateMediaAsync(new() { Media = Media.Screen });

        await using var staff = await BrowserSession.OpenAsync(app, "staff-reports");
        await staff.SignInAndLandAsync(AppFixture.StaffEmail, AppFixture.Password);
        await Expect(staff.Nav.GetByRole(AriaRole.Link, new() { Name = "Reports", Exact = true })).ToHaveCountAsync(0);
        (await staff.GotoAsync("/finance/usage", "report-refused")).Status.Should().Be(403);
        (await staff.GotoAsync("/finance/statements", "statements-refused")).Status.Should().Be(403);
        (await staff.Page.APIRequest.GetAsync("/finance/usage.csv")).Status.Should().Be(403);
    }

    private async Task<(long Calls, long Seconds)> CallsInAsync(DateTimeOffset from, DateTimeOffset to)
    {
        await using var scope = app.AccountScope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        var ended = await db.Calls.Where(c => c.EndedAt != null && c.StartedAt >= from && c.StartedAt < to).Select(c => c.BillableSeconds!.Value).ToListAsync();
        return (ended.Count, ended.Sum());
    }
}
