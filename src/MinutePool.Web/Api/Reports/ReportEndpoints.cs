using System.Globalization;
using MinutePool.Core.Common;
using MinutePool.Data.Reports;
using MinutePool.Web.Api.Infrastructure;
using MinutePool.Web.Ui;

namespace MinutePool.Web.Api.Reports;

/// <summary>Finance: usage per sub-account over a range, and closed statements; JSON, or CSV with <c>Accept: text/csv</c>.</summary>
public static class ReportEndpoints
{
    public static void MapReportEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/reports/usage", async (string? from, string? to, string? include, HttpContext http, UsageReport reports, CancellationToken ct) =>
            {
                var start = QueryValues.Instant(from, "from");
                var end = QueryValues.Instant(to, "to");
                if ((start.Error ?? end.Error) is { } invalid)
                {
                    return ApiProblems.Result(invalid);
                }

                if (include is not (null or "" or "projectTags"))
                {
                    return ApiProblems.Validation("include", "include is empty or projectTags.");
                }

                var built = await reports.BuildAsync(start.Value, end.Value, withProjectTags: include == "projectTags", ct);
                if (!built.IsSuccess)
                {
                    return ApiProblems.Result(built.Error);
                }

                var r = built.Value;
                if (WantsCsv(http))
                {
                    return await ReportCsv.UsageByWorkspaceAsync(r, ct);
                }

                var rows = r.Workspaces.Select(w => new UsageReportRowDto(w.WorkspaceId, w.Name, w.UserId, w.Calls, w.BillableSeconds, w.AllocationMinutes, w.OverageSeconds, new MoneyDto(w.CostShare, r.Currency))).ToList();
                var tags = r.ProjectTags.Select(t => new ProjectTagUsageDto(t.ProjectTag, t.Calls, t.BillableSeconds, new MoneyDto(t.CostShare, r.Currency))).ToList();
                return Results.Ok(new UsageReportDto(r.From, r.To, r.TotalBillableSeconds, r.TotalCalls, new MoneyDto(r.Price, r.Currency), rows, tags));
            })
            .WithName("UsageReport")
            .WithTags("Reports")
            .Produces<UsageReportDto>()
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapGet("/statements", async (string? cycle, HttpContext http, StatementQueries statements, CancellationToken ct) =>
            {
                DateOnly? date = null;
                if (!string.IsNullOrWhiteSpace(cycle))
                {
                    if (!DateOnly.TryParseExact(cycle, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
                    {
                        return ApiProblems.Validation("cycle", "cycle is a date in the cycle, yyyy-MM-dd (account's local date), e.g. 2026-11-05.");
                    }

                    date = parsed;
                }

                var view = await statements.ForCycleAsync(date, ct);
                if (view is null)
                {
                    return ApiProblems.Result(DomainError.NotFound(date is null ? "A closed statement" : "A closed statement for that cycle"));
                }

                var c = view.Cycle;
                var lines = view.Lines.Select(l => new StatementLineDto(l.Line.SubjectId, l.Name, l.UserId, l.Line.Calls, l.Line.UsedSeconds, l.Line.AllocatedSeconds, l.Line.OverageSeconds, new MoneyDto(l.Line.CostShareAmount, l.Line.Currency))).ToList();
                if (WantsCsv(http))
                {
                    return await ReportCsv.StatementAsync(view, ct);
                }

                return Results.Ok(new StatementDto(new PeriodDto(c.PeriodStart, c.PeriodEnd), c.PlanCode, c.Revision, c.IsAmendment, c.ClosedAt,
                    c.AllocatedSeconds, c.UsedSeconds, c.OverageSeconds, c.Calls, new MoneyDto(c.CostShareAmount, c.Currency), lines));
            })
            .WithName("GetStatement")
            .WithTags("Reports")
            .Produces<StatementDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static bool WantsCsv(HttpContext http) =>
        http.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase));
}
