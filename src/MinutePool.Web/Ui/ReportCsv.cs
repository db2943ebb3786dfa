using System.Globalization;
using MinutePool.Data.Reports;

namespace MinutePool.Web.Ui;

/// <summary>The finance CSV files, one shape each, shared by the API (<c>Accept: text/csv</c>) and the pages' downloads.</summary>
public static class ReportCsv
{
    public static async Task<IResult> UsageByWorkspaceAsync(UsageReportResult r, CancellationToken cancellationToken)
    {
        var bytes = await CsvExport.WriteAsync(
            ["workspace_id", "name", "user_id", "calls", "billable_seconds", "allocation_minutes", "overage_seconds", "cost_share", "currency"],
            r.Workspaces.Select(w => (IReadOnlyList<object?>)[w.WorkspaceId, w.Name, w.UserId, w.Calls, w.BillableSeconds, w.AllocationMinutes, w.OverageSeconds, w.CostShare, r.Currency]),
            cancellationToken);
        return CsvExport.File(bytes, $"usage-{r.From:yyyy-MM-dd}-{r.To:yyyy-MM-dd}.csv");
    }

    public static async Task<IResult> UsageByProjectTagAsync(UsageReportResult r, CancellationToken cancellationToken)
    {
        var bytes = await CsvExport.WriteAsync(
            ["project_tag", "calls", "billable_seconds", "cost_share", "currency"],
            r.ProjectTags.Select(t => (IReadOnlyList<object?>)[t.ProjectTag, t.Calls, t.BillableSeconds, t.CostShare, r.Currency]),
            cancellationToken);
        return CsvExport.File(bytes, $"usage-by-project-{r.From:yyyy-MM-dd}-{r.To:yyyy-MM-dd}.csv");
    }

    public static async Task<IResult> StatementAsync(StatementView view, CancellationToken cancellationToken)
    {
        var c = view.Cycle;
        var bytes = await CsvExport.WriteAsync(
            ["cycle_start", "revision", "workspace_id", "name", "user_id", "calls", "billable_seconds", "allocated_seconds", "overage_seconds", "cost_share", "currency"],
            view.Lines.Select(l => (IReadOnlyList<object?>)[c.StartDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), c.Revision, l.Line.SubjectId, l.Name, l.UserId, l.Line.Calls, l.Line.UsedSeconds, l.Line.AllocatedSeconds, l.Line.OverageSeconds, l.Line.CostShareAmount, l.Line.Currency]),
            cancellationToken);
        return CsvExport.File(bytes, $"statement-{c.StartDate:yyyy-MM-dd}-r{c.Revision}.csv");
    }
}
