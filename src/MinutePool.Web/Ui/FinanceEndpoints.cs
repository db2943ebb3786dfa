using MinutePool.Core.Accounts;
using MinutePool.Data.Accounts;
using MinutePool.Data.Reports;

namespace MinutePool.Web.Ui;

/// <summary>The finance pages' downloads: the usage report (by workspace or by project tag) and a closed statement, as CSV.</summary>
public static class FinanceEndpoints
{
    public static void MapFinanceEndpoints(this WebApplication app)
    {
        app.MapGet("/finance/usage.csv", async (string? cycle, string? from, string? to, string? by, UiSession session, AccountService accounts, UsageReport reports, TimeProvider clock, CancellationToken ct) =>
            {
                if (!session.Has(AccountRole.Owner, AccountRole.Finance))
                {
                    return Results.StatusCode(StatusCodes.Status403Forbidden);
                }

                var account = (await accounts.SummaryAsync(ct))!.Account;
                var (range, problem) = ReportRange.Read(account, clock.GetUtcNow(), cycle, from, to);
                if (range is null)
                {
                    return Results.Problem(problem, statusCode: StatusCodes.Status400BadRequest);
                }

                var built = await reports.BuildAsync(range.From, range.To, withProjectTags: by == "tag", ct);
                if (!built.IsSuccess)
                {
                    return Results.Problem(built.Error.Message, statusCode: StatusCodes.Status400BadRequest);
                }

                return by == "tag"
                    ? await ReportCsv.UsageByProjectTagAsync(built.Value, ct)
                    : await ReportCsv.UsageByWorkspaceAsync(built.Value, ct);
            })
            .RequireAuthorization(RolePolicies.OwnerOrFinance)
            .ExcludeFromDescription();

        app.MapGet("/finance/statements.csv", async (string? cycle, UiSession session, StatementQueries statements, CancellationToken ct) =>
            {
                if (!session.Has(AccountRole.Owner, AccountRole.Finance))
                {
                    return Results.StatusCode(StatusCodes.Status403Forbidden);
                }

                DateOnly? date = ReportRange.TryDate(cycle, out var parsed) ? parsed : null;
                var view = await statements.ForCycleAsync(date, ct);
                return view is null ? Results.NotFound() : await ReportCsv.StatementAsync(view, ct);
            })
            .RequireAuthorization(RolePolicies.OwnerOrFinance)
            .ExcludeFromDescription();
    }
}
