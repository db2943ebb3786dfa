using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data.Billing;
using MinutePool.Data.Reports;
using MinutePool.Data.Tenancy;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

/// <summary>Usage reports and closed statements: every number is the sum of the calls behind it.</summary>
public sealed class ReportTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();
    private static readonly string?[] Tags = ["Matter 2041, \"Smith\"", "Überprüfung", null];

    private readonly List<(string Id, Guid Workspace, DateTimeOffset Start, int Seconds, string? Tag)> _calls = [];
    private AccountClient _account = null!;
    private List<Guid> _workspaces = [];

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("team-6000", 6_000);
        _host.Clock.Now = new DateTimeOffset(2026, 8, 20, 12, 0, 0, TimeSpan.Zero);
        _account = await _host.AccountAsync("team-6000", billingDay: 5, distribution: true);
        _workspaces =
        [
            (await _account.CreateWorkspaceAsync("Smith, \"Jones\" & Müller", allocationMinutes: 1_000)).Id(),
            (await _account.CreateWorkspaceAsync("Sales", allocationMinutes: 2_000, resetDay: 20)).Id(),
            (await _account.CreateWorkspaceAsync("Pool user")).Id(),
        ];

        // Three months of calls, imported a week at a time as the clock moves on (imports reach 35 days back).
        var random = new Random(42);
        for (var week = 0; week < 13; week++)
        {
            var batch = new List<object>();
            for (var n = 0; n < 250; n++)
            {
                var start = _host.Clock.Now.AddDays(-7).AddSeconds(random.Next(0, 7 * 86_400 - 3_600));
                var call = ($"c{week:D2}-{n:D3}", _workspaces[random.Next(3)], start, random.Next(5, 1_800), Tags[random.Next(Tags.Length)]);
                _calls.Add(call);
                batch.Add(new { callId = call.Item1, workspaceId = call.Item2, startedAt = call.start, endedAt = call.start.AddSeconds(call.Item4), projectTag = call.Item5 });
            }

            var result = await (await _account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records = batch })).ShouldBeAsync(200);
            result.GetProperty("accepted").GetInt32().Should().Be(250);
            _host.Clock.Advance(TimeSpan.FromDays(7));
        }
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task The_current_cycle_report_equals_the_sum_of_its_calls_and_cost_shares_add_up_to_the_price()
    {
        var report = await _account.GetAsync("/api/v1/reports/usage?include=projectTags");

        var (from, to) = (report.GetProperty("from").GetDateTimeOffset(), report.GetProperty("to").GetDateTimeOffset());
        from.Should().Be(new DateTimeOffset(2026, 11, 5, 0, 0, 0, TimeSpan.Zero));
        AssertMatchesCalls(report, from, to);
        report.GetProperty("workspaces").EnumerateArray().Sum(w => w.GetProperty("costShare").GetProperty("amount").GetDecimal()).Should().Be(100.00m, "the test plans cost 100.00 USD");
    }

    [Fact]
    public async Task A_range_that_is_not_whole_days_is_summed_from_the_calls_exactly()
    {
        var from = new DateTimeOffset(2026, 10, 3, 13, 17, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2026, 10, 19, 8, 45, 30, TimeSpan.Zero);

        var report = await _account.GetAsync($"/api/v1/reports/usage?include=projectTags&from={from:O}&to={to:O}".Replace("+", "%2B", StringComparison.Ordinal));

        AssertMatchesCalls(report, from, to);
    }

    [Fact]
    public async Task The_csv_report_quotes_names_with_commas_and_quotes_and_keeps_non_ascii_letters()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/reports/usage");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));

        var response = await _account.Http.SendAsync(request);

        response.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        bytes.Take(3).Should().Equal(Encoding.UTF8.GetPreamble());
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be("workspace_id,name,user_id,calls,billable_seconds,allocation_minutes,overage_seconds,cost_share,currency");
        lines.Should().Contain(l => l.Contains(",\"Smith, \"\"Jones\"\" & Müller\",", StringComparison.Ordinal));
        lines.Should().HaveCount(4);
    }

    [Fact]
    public async Task A_closed_statement_lists_each_workspace_adds_up_and_is_amended_not_changed_by_a_late_record()
    {
        await CloseStatementsAsync();
        var october = await _account.GetAsync("/api/v1/statements?cycle=2026-10-20");

        october.GetProperty("cycle").GetProperty("start").GetDateTimeOffset().Should().Be(new DateTimeOffset(2026, 10, 5, 0, 0, 0, TimeSpan.Zero));
        october.GetProperty("revision").GetInt32().Should().Be(1);
        var lines = october.GetProperty("workspaces").EnumerateArray().ToList();
        lines.Should().HaveCount(3);
        lines.Sum(l => l.GetProperty("costShare").GetProperty("amount").GetDecimal()).Should().Be(100.00m, "the test plans cost 100.00 USD");
        lines.Sum(l => l.GetProperty("billableSeconds").GetInt64()).Should().Be(october.GetProperty("usedSeconds").GetInt64());
        october.GetProperty("usedSeconds").GetInt64().Should().Be(Billable(new DateTimeOffset(2026, 10, 5, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 5, 0, 0, 0, TimeSpan.Zero), null));

        var lateStart = new DateTimeOffset(2026, 11, 4, 23, 0, 0, TimeSpan.Zero);
        await (await _account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records = new[] { new { callId = "late", workspaceId = _workspaces[0], startedAt = lateStart, endedAt = lateStart.AddMinutes(10) } } })).ShouldBeAsync(200);
        await CloseStatementsAsync();
        var amended = await _account.GetAsync("/api/v1/statements?cycle=2026-10-20");

        amended.GetProperty("revision").GetInt32().Should().Be(2);
        amended.GetProperty("amended").GetBoolean().Should().BeTrue();
        amended.GetProperty("usedSeconds").GetInt64().Should().Be(october.GetProperty("usedSeconds").GetInt64() + 600);
        await (await _account.Http.GetAsync("/api/v1/statements?cycle=2027-05-01")).ShouldBeProblemAsync(404, "not_found");
        await (await _account.Http.GetAsync("/api/v1/statements?cycle=October")).ShouldBeProblemAsync(400, "validation_failed");
    }

    [Fact]
    public async Task The_chart_series_add_up_to_the_calls_per_day_and_per_cycle()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(_account.Id);
        var series = scope.ServiceProvider.GetRequiredService<UsageSeries>();

        var october = await series.DailyAsync(new DateOnly(2026, 10, 5), new DateOnly(2026, 11, 5));
        var octoberStart = new DateTimeOffset(2026, 10, 5, 0, 0, 0, TimeSpan.Zero);
        october.Sum(d => d.Seconds).Should().Be(Billable(octoberStart, octoberStart.AddMonths(1), null));
        october.Where(d => d.Date == new DateOnly(2026, 10, 12) && d.WorkspaceId == _workspaces[1]).Sum(d => d.Seconds)
            .Should().Be(Billable(new DateTimeOffset(2026, 10, 12, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 13, 0, 0, 0, TimeSpan.Zero), _workspaces[1]));

        var comparison = await series.CyclesAsync();
        comparison.Cycles.Should().HaveCount(UsageSeries.CyclesCompared);
        comparison.Cycles[^1].StartDate.Should().Be(new DateOnly(2026, 11, 5), "the current cycle comes last");
        foreach (var cycle in comparison.Cycles)
        {
            foreach (var workspace in _workspaces)
            {
                comparison.Usage.Where(u => u.Cycle == cycle && u.WorkspaceId == workspace).Sum(u => u.Seconds)
                    .Should().Be(Billable(cycle.Start, cycle.End, workspace));
            }
        }
    }

    private void AssertMatchesCalls(System.Text.Json.JsonElement report, DateTimeOffset from, DateTimeOffset to)
    {
        report.GetProperty("totalBillableSeconds").GetInt64().Should().Be(Billable(from, to, null));
        foreach (var row in report.GetProperty("workspaces").EnumerateArray())
        {
            var id = row.GetProperty("workspaceId").GetGuid();
            row.GetProperty("billableSeconds").GetInt64().Should().Be(Billable(from, to, id));
            row.GetProperty("calls").GetInt64().Should().Be(_calls.Count(c => c.Workspace == id && c.Start >= from && c.Start < to));
        }

        // By project tag: the same calls, grouped by their tag (untagged calls are a row of their own).
        var tags = report.GetProperty("projectTags").EnumerateArray().ToList();
        tags.Select(t => t.GetProperty("projectTag").GetString()).Should().BeEquivalentTo(Tags);
        foreach (var row in tags)
        {
            var tag = row.GetProperty("projectTag").GetString();
            var tagged = _calls.Where(c => c.Tag == tag && c.Start >= from && c.Start < to).ToList();
            row.GetProperty("calls").GetInt64().Should().Be(tagged.Count);
            row.GetProperty("billableSeconds").GetInt64().Should().Be(tagged.Sum(c => c.Seconds > 30 ? (long)c.Seconds : 0));
        }

        tags.Sum(t => t.GetProperty("costShare").GetProperty("amount").GetDecimal()).Should().Be(100.00m, "tag shares split the same price");
    }

    private long Billable(DateTimeOffset from, DateTimeOffset to, Guid? workspace) =>
        _calls.Where(c => c.Start >= from && c.Start < to && (workspace is null || c.Workspace == workspace)).Sum(c => c.Seconds > 30 ? (long)c.Seconds : 0);

    private async Task CloseStatementsAsync()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(_account.Id);
        await scope.ServiceProvider.GetRequiredService<StatementCloser>().CloseAsync();
    }
}
