using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Core.Common;
using MinutePool.Data.Calls;
using MinutePool.Data.Reports;
using MinutePool.IntegrationTests.Infrastructure;
using MinutePool.Web.Ui;

namespace MinutePool.IntegrationTests.Reports;

/// <summary>
/// Finance's drill-down from a report number to the calls behind it: the filters, totals that equal the
/// usage report, keyset paging, tenant isolation, refused filters and the CSV of every matching call.
/// </summary>
public abstract class CallDrillDownTests<TDatabase> : IAsyncLifetime
    where TDatabase : TestDatabase, new()
{
    private const string Matter = "Matter 7, \"Appeal\"";

    // Now is Nov 22, 2026, 15:00 UTC: 10:00 in New York, in the cycle that began Nov 1 (billing day 1).
    private static readonly DateTimeOffset Day = new(2026, 11, 10, 14, 0, 0, TimeSpan.Zero);

    private readonly TDatabase _db = new();
    private Guid _account;
    private Guid _other;
    private Guid _intruder;
    private string _intruderUserId = "";
    private Guid _smith;
    private Guid _sales;
    private string _smithUserId = "";

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        // A 6-second increment makes billable time differ from duration, so the tests can tell them apart.
        await _db.PlanAsync("p6000", 6_000, increment: 6);
        _account = await _db.AccountAsync("p6000", "America/New_York", billingDay: 1, name: "Drill");
        var smith = await _db.WorkspaceAsync(_account, "Smith, \"Jones\" & Müller");
        (_smith, _smithUserId) = (smith.Workspace.Id, smith.UserId);
        _sales = (await _db.WorkspaceAsync(_account, "Sales")).Workspace.Id;

        await _db.ImportAsync(_account,
            new ImportRecord("s-1", _smith, Day, Day.AddSeconds(61), Matter),             // billable 66
            new ImportRecord("s-2", _smith, Day.AddHours(1), Day.AddHours(1).AddSeconds(20), Matter), // 20 s: not billable
            new ImportRecord("s-3", _smith, Day.AddHours(2), Day.AddHours(2).AddSeconds(600), null),  // 600
            new ImportRecord("s-4", _smith, Day.AddDays(3), Day.AddDays(3).AddSeconds(125), "Ærø"),   // 126
            new ImportRecord("s-5", _smith, Day.AddDays(-20), Day.AddDays(-20).AddSeconds(300), Matter), // Oct 21: last cycle
            new ImportRecord("x-1", _sales, Day.AddMinutes(30), Day.AddMinutes(30).AddSeconds(90), Matter)); // 90
        Seed.Ok(await _db.StartAsync(_account, "s-live", _smith));

        _other = await _db.AccountAsync("p6000", "America/New_York", billingDay: 1, name: "Other");
        var intruder = await _db.WorkspaceAsync(_other, "Smith, \"Jones\" & Müller");
        (_intruder, _intruderUserId) = (intruder.Workspace.Id, intruder.UserId);
        await _db.ImportAsync(_other,
            new ImportRecord("s-1", _intruder, Day, Day.AddSeconds(999), Matter),
            new ImportRecord("o-2", _intruder, Day.AddHours(1), Day.AddHours(1).AddSeconds(999), null));
    }

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Totals_for_a_workspace_equal_the_sum_of_its_calls_and_the_usage_report_for_the_cycle_and_for_an_uneven_range()
    {
        var summary = await _db.SummaryAsync(_account);
        var cycle = summary.Cycle;

        var filter = new CallFilter(_smith, cycle.Start, cycle.End, null);
        var totals = Seed.Ok(await TotalsAsync(_account, filter));
        var calls = await AllAsync(_account, filter);
        totals.Should().Be(new CallTotals(4, 66 + 0 + 600 + 126, 1), "four ended calls (one too short to bill) and one still running");
        totals.Calls.Should().Be(calls.Count(c => c.EndedAt != null));
        totals.BillableSeconds.Should().Be(calls.Sum(c => c.BillableSeconds ?? 0));

        // The cycle is a day-aligned range, which the report sums from the daily buckets.
        var report = await ReportAsync(_account, null, null);
        report.From.Should().Be(cycle.Start);
        var row = report.Workspaces.Single(w => w.WorkspaceId == _smith);
        (totals.Calls, totals.BillableSeconds).Should().Be((row.Calls, row.BillableSeconds));

        // The same number reached by user ID instead of workspace.
        Seed.Ok(await TotalsAsync(_account, new CallFilter(null, cycle.Start, cycle.End, null, UserId: _smithUserId))).Should().Be(totals);

        // A range that does not start at local midnight, which the report sums from the calls themselves.
        var (from, to) = (Day.AddMinutes(-1), Day.AddHours(1).AddMinutes(1));
        var uneven = await ReportAsync(_account, from, to);
        foreach (var workspace in new[] { _smith, _sales })
        {
            var part = Seed.Ok(await TotalsAsync(_account, new CallFilter(workspace, from, to, null)));
            var line = uneven.Workspaces.Single(w => w.WorkspaceId == workspace);
            (part.Calls, part.BillableSeconds).Should().Be((line.Calls, line.BillableSeconds));
        }

        var all = Seed.Ok(await TotalsAsync(_account, new CallFilter(null, from, to, null)));
        (all.Calls, all.BillableSeconds).Should().Be((uneven.TotalCalls, uneven.TotalBillableSeconds));
    }

    [Fact]
    public async Task Tag_user_id_and_billable_time_filters_pick_exactly_the_matching_calls()
    {
        async Task<string[]> IdsAsync(CallFilter filter) => (await AllAsync(_account, filter)).Select(c => c.CallId).ToArray();

        (await IdsAsync(new CallFilter(null, null, null, null, ProjectTag: Matter))).Should().Equal("s-5", "s-1", "x-1", "s-2");
        (await IdsAsync(new CallFilter(_smith, null, null, null, ProjectTag: Matter))).Should().Equal("s-5", "s-1", "s-2");
        (await IdsAsync(new CallFilter(null, null, null, null, ProjectTag: "Matter 7"))).Should().BeEmpty("a tag matches exactly, not by prefix");
        (await IdsAsync(new CallFilter(null, null, null, null, WithoutProjectTag: true))).Should().Equal("s-3", "s-live");
        (await IdsAsync(new CallFilter(null, null, null, null, ProjectTag: "Ærø"))).Should().Equal("s-4");

        (await IdsAsync(new CallFilter(null, null, null, null, MinBillableSeconds: 66, MaxBillableSeconds: 126))).Should().Equal("s-1", "x-1", "s-4");
        (await IdsAsync(new CallFilter(null, null, null, null, MaxBillableSeconds: 0))).Should().Equal("s-2");
        (await IdsAsync(new CallFilter(_smith, null, null, null, EndedOnly: true))).Should().NotContain("s-live").And.HaveCount(5);
        (await IdsAsync(new CallFilter(_smith, null, null, null))).Should().Contain("s-live", "without the ended-only option a running call is listed");

        var tagged = Seed.Ok(await TotalsAsync(_account, new CallFilter(_smith, null, null, null, ProjectTag: Matter)));
        tagged.Should().Be(new CallTotals(3, 66 + 0 + 300, 0));
    }

    [Fact]
    public async Task Paging_returns_every_call_exactly_once_in_start_order_also_when_starts_tie()
    {
        var records = Enumerable.Range(0, 37)
            .Select(i => new ImportRecord($"p-{i:D2}", _sales, Day.AddDays(1).AddMinutes(i / 4), Day.AddDays(1).AddMinutes(i / 4).AddSeconds(40 + i), i % 3 == 0 ? "paged" : null))
            .ToArray();
        await _db.ImportAsync(_account, records);

        foreach (var filter in new[] { new CallFilter(_sales, null, null, null, Limit: 5), new CallFilter(null, null, null, null, Limit: 4, ProjectTag: "paged") })
        {
            var expected = (await AllAsync(_account, filter with { Limit = CallQueries.MaxPageSize })).Select(c => c.CallId).ToList();
            var seen = new List<string>();
            string? cursor = null;
            var pages = 0;
            do
            {
                var page = Seed.Ok(await ListAsync(_account, filter with { Cursor = cursor }));
                page.Items.Count.Should().BeLessThanOrEqualTo(filter.Limit);
                seen.AddRange(page.Items.Select(c => c.CallId));
                cursor = page.NextCursor;
                pages++;
            }
            while (cursor is not null);

            seen.Should().Equal(expected).And.OnlyHaveUniqueItems();
            pages.Should().BeGreaterThan(1);
            Seed.Ok(await TotalsAsync(_account, filter)).Calls.Should().Be(seen.Count);
        }
    }

    [Fact]
    public async Task Another_accounts_calls_never_appear_and_its_ids_answer_not_found()
    {
        var mine = await AllAsync(_account, new CallFilter(null, null, null, null, ProjectTag: Matter));
        mine.Should().OnlyContain(c => c.AccountId == _account);
        mine.Should().NotContain(c => c.DurationSeconds == 999);
        Seed.Ok(await TotalsAsync(_account, new CallFilter(null, null, null, null, ProjectTag: Matter))).Calls.Should().Be(4);

        (await ListAsync(_account, new CallFilter(_intruder, null, null, null))).Error!.Code.Should().Be(ErrorCodes.NotFound);
        (await TotalsAsync(_account, new CallFilter(null, null, null, null, UserId: _intruderUserId))).Error!.Code.Should().Be(ErrorCodes.NotFound);
        (await ListAsync(_other, new CallFilter(null, null, null, null, UserId: _smithUserId))).Error!.Code.Should().Be(ErrorCodes.NotFound);

        var theirs = await AllAsync(_other, new CallFilter(null, null, null, null));
        theirs.Select(c => c.CallId).Should().BeEquivalentTo("s-1", "o-2");
    }

    [Fact]
    public async Task Bad_filters_are_refused_by_name_and_return_nothing()
    {
        var cases = new (CallFilter Filter, string Code, string Field)[]
        {
            (new CallFilter(null, Day, Day.AddSeconds(-1), null), ErrorCodes.InvalidTimeRange, "to"),
            (new CallFilter(null, null, null, null, MinBillableSeconds: -1), ErrorCodes.ValidationFailed, "minBillableSeconds"),
            (new CallFilter(null, null, null, null, MaxBillableSeconds: -6), ErrorCodes.ValidationFailed, "maxBillableSeconds"),
            (new CallFilter(null, null, null, null, MinBillableSeconds: 120, MaxBillableSeconds: 60), ErrorCodes.ValidationFailed, "maxBillableSeconds"),
            (new CallFilter(null, null, null, null, UserId: "1234"), ErrorCodes.ValidationFailed, "userId"),
            (new CallFilter(null, null, null, null, ProjectTag: ""), ErrorCodes.ValidationFailed, "projectTag"),
            (new CallFilter(null, null, null, null, ProjectTag: new string('t', Call.MaxProjectTagLength + 1)), ErrorCodes.ValidationFailed, "projectTag"),
            (new CallFilter(null, null, null, null, ProjectTag: Matter, WithoutProjectTag: true), ErrorCodes.ValidationFailed, "projectTag"),
        };

        foreach (var (filter, code, field) in cases)
        {
            var list = await ListAsync(_account, filter);
            var totals = await TotalsAsync(_account, filter);
            list.IsSuccess.Should().BeFalse("{0} should be refused", filter);
            totals.IsSuccess.Should().BeFalse("{0} should be refused", filter);
            (list.Error!.Code, list.Error.Field).Should().Be((code, field));
            (totals.Error!.Code, totals.Error.Field).Should().Be((code, field));
        }
    }

    [Fact]
    public void The_page_filters_read_local_dates_in_the_account_zone_and_refuse_unreadable_values_by_field()
    {
        var zone = AccountTimeZone.Parse("America/New_York");
        var filter = Seed.Ok(new CallDrillDown(From: "2026-11-10", To: "2026-11-10", MinMinutes: "1", MaxMinutes: "2", Untagged: "true").ToFilter(zone, 50));
        filter.From.Should().Be(new DateTimeOffset(2026, 11, 10, 5, 0, 0, TimeSpan.Zero), "midnight in New York is 05:00 UTC in November");
        filter.To.Should().Be(new DateTimeOffset(2026, 11, 11, 5, 0, 0, TimeSpan.Zero), "the to day is included");
        (filter.MinBillableSeconds, filter.MaxBillableSeconds, filter.WithoutProjectTag).Should().Be((60L, 120L, true));

        new CallDrillDown(From: "10/11/2026").ToFilter(zone, 50).Error!.Field.Should().Be("from");
        new CallDrillDown(From: "2026-11-10", To: "2026-11-09").ToFilter(zone, 50).Error!.Code.Should().Be(ErrorCodes.InvalidTimeRange);
        new CallDrillDown(MinMinutes: "1.5").ToFilter(zone, 50).Error!.Field.Should().Be("minMinutes");
        new CallDrillDown(MaxMinutes: "-3").ToFilter(zone, 50).Error!.Field.Should().Be("maxMinutes");
        new CallDrillDown(MinMinutes: "9", MaxMinutes: "3").ToFilter(zone, 50).Error!.Field.Should().Be("maxMinutes");
        new CallDrillDown(Workspace: "sales").ToFilter(zone, 50).Error!.Field.Should().Be("workspace");
        new CallDrillDown(UserId: "abc").ToFilter(zone, 50).Error!.Field.Should().Be("userId");
        new CallDrillDown(Tag: "x", Untagged: "true").ToFilter(zone, 50).Error!.Field.Should().Be("tag");

        var query = new CallDrillDown(Workspace: _smith.ToString(), Tag: Matter, From: "2026-11-01").QueryString("abc");
        var parsed = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query);
        parsed.ToDictionary(p => p.Key, p => p.Value.ToString()).Should().BeEquivalentTo(new Dictionary<string, string>
        {
            ["workspace"] = _smith.ToString(), ["tag"] = Matter, ["from"] = "2026-11-01", ["cursor"] = "abc",
        }, "links carry the filters as typed, and only those that are set");
    }

    [Fact]
    public async Task The_csv_holds_every_matching_call_over_several_pages_quoted_as_rfc_4180_with_a_bom_and_no_formulas()
    {
        // More calls than one page of the export, so the file is written from several queries.
        var start = _db.Clock.Now.AddDays(-1);
        var many = Enumerable.Range(0, CallQueries.MaxPageSize + 5)
            .Select(i => new ImportRecord($"m-{i:D4}", _smith, start.AddSeconds(i * 7), start.AddSeconds(i * 7 + 31 + (i % 50)), i == 0 ? "=HYPERLINK(\"x\")" : "bulk"))
            .ToList();
        await _db.ImportAsync(_account, [.. many.Take(600)]);
        await _db.ImportAsync(_account, [.. many.Skip(600)]);

        var filter = new CallFilter(_smith, null, null, null, EndedOnly: true);
        var (text, bytes) = await CsvAsync(_account, filter);
        bytes.Take(3).Should().Equal(Encoding.UTF8.GetPreamble(), "Excel needs the byte-order mark to read non-ASCII names");

        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().Be(string.Join(',', CallsCsv.Header));
        var totals = Seed.Ok(await TotalsAsync(_account, filter));
        lines.Length.Should().Be((int)totals.Calls + 1, "one line per ended call, every page");

        var first = lines.Single(l => l.EndsWith(",s-1", StringComparison.Ordinal));
        first.Should().Be($"2026-11-10 09:00:00,America/New_York,2026-11-10T14:00:00Z,2026-11-10T14:01:01Z,\"Smith, \"\"Jones\"\" & Müller\",{_smithUserId},\"Matter 7, \"\"Appeal\"\"\",61,66,s-1");
        lines.Single(l => l.EndsWith(",s-4", StringComparison.Ordinal)).Should().Contain(",Ærø,125,126,");
        lines.Single(l => l.EndsWith(",m-0000", StringComparison.Ordinal)).Should().Contain(",\"'=HYPERLINK(\"\"x\"\")\",", "a cell that would run as a formula is prefixed");
        lines.Skip(1).Sum(l => long.Parse(l.Split(',')[^2], System.Globalization.CultureInfo.InvariantCulture)).Should().Be(totals.BillableSeconds);
    }

    [Fact]
    public async Task The_csv_refuses_a_bad_filter_before_writing_anything()
    {
        await using var scope = _db.Scope(_account);
        var prepared = await CallsCsv.PrepareAsync(scope.ServiceProvider.GetRequiredService<CallQueries>(), new CallFilter(null, null, null, null, UserId: "99"), AccountTimeZone.Parse("UTC"));
        prepared.Error!.Field.Should().Be("userId");
    }

    private async Task<Result<CallPage>> ListAsync(Guid account, CallFilter filter)
    {
        await using var scope = _db.Scope(account);
        return await scope.ServiceProvider.GetRequiredService<CallQueries>().ListAsync(filter);
    }

    private async Task<Result<CallTotals>> TotalsAsync(Guid account, CallFilter filter)
    {
        await using var scope = _db.Scope(account);
        return await scope.ServiceProvider.GetRequiredService<CallQueries>().TotalsAsync(filter);
    }

    private async Task<List<Call>> AllAsync(Guid account, CallFilter filter)
    {
        var calls = new List<Call>();
        var next = filter with { Limit = CallQueries.MaxPageSize, Cursor = null };
        while (true)
        {
            var page = Seed.Ok(await ListAsync(account, next));
            calls.AddRange(page.Items);
            if (page.NextCursor is null)
            {
                return calls;
            }

            next = next with { Cursor = page.NextCursor };
        }
    }

    private async Task<UsageReportResult> ReportAsync(Guid account, DateTimeOffset? from, DateTimeOffset? to)
    {
        await using var scope = _db.Scope(account);
        return Seed.Ok(await scope.ServiceProvider.GetRequiredService<UsageReport>().BuildAsync(from, to));
    }

    private async Task<(string Text, byte[] Bytes)> CsvAsync(Guid account, CallFilter filter)
    {
        var zone = (await _db.SummaryAsync(account)).Account.TimeZone;
        await using var scope = _db.Scope(account);
        var write = Seed.Ok(await CallsCsv.PrepareAsync(scope.ServiceProvider.GetRequiredService<CallQueries>(), filter, zone));
        using var output = new MemoryStream();
        await write(output);
        var bytes = output.ToArray();
        return (new UTF8Encoding(false).GetString(bytes, 3, bytes.Length - 3), bytes);
    }
}

public sealed class CallDrillDownOnPostgresTests : CallDrillDownTests<PostgresDatabase>;

public sealed class CallDrillDownOnSqliteTests : CallDrillDownTests<SqliteDatabase>;
