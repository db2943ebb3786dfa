using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using MinutePool.Core.Accounts;
using MinutePool.Core.Common;
using MinutePool.Data.Accounts;
using MinutePool.Data.Calls;
using MinutePool.Data.Identity;
using MinutePool.Data.Workspaces;

namespace MinutePool.Web.Ui;

/// <summary>The browser UI's few non-page endpoints: sign-out, account switch, CSV exports.</summary>
public static class UiEndpoints
{
    public static void MapUiEndpoints(this WebApplication app)
    {
        app.MapPost("/signout", async (SignInManager<AppUser> signIn) =>
            {
                await signIn.SignOutAsync();
                return Results.LocalRedirect("/signin");
            })
            .RequireAuthorization()
            .WithMetadata(new RequireAntiforgeryTokenAttribute(true))
            .ExcludeFromDescription();

        app.MapPost("/switch-account", (HttpContext http, UiSession session, IFormCollection form) =>
            {
                var requested = form["accountId"].ToString();
                if (!session.Accounts.Any(a => a.AccountId.ToString() == requested))
                {
                    return Results.Forbid();
                }

                http.Response.Cookies.Append(UiSession.AccountCookie, requested, new CookieOptions
                {
                    HttpOnly = true,
                    IsEssential = true,
                    SameSite = SameSiteMode.Lax,
                    Secure = http.Request.IsHttps,
                });
                return Results.LocalRedirect("/settings/calls");
            })
            .RequireAuthorization()
            .ExcludeFromDescription();

        app.MapGet("/settings/workspaces.csv", async (UiSession session, WorkspaceService workspaces, AccountService accounts, TimeProvider clock, CancellationToken ct) =>
            {
                if (!session.Has(AccountRole.Owner, AccountRole.Finance))
                {
                    return Results.StatusCode(StatusCodes.Status403Forbidden);
                }

                var summary = (await accounts.SummaryAsync(ct))!;
                var zone = summary.Account.TimeZone;
                var rows = (await workspaces.ListAsync(includeArchived: true, ct)).Select(v => (IReadOnlyList<object?>)
                [
                    v.Workspace.Name, v.Workspace.Kind.ToString(), v.Workspace.UserId, v.Workspace.AllocationMinutes, v.EffectiveResetDay,
                    v.Period.StartDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), v.Period.EndDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    v.UsedSeconds, v.RemainingSeconds, v.ActiveCalls, v.Workspace.IsArchived,
                ]);
                var bytes = await CsvExport.WriteAsync(
                    ["workspace", "kind", "user_id", "allocation_minutes", "reset_day", "period_start", "next_reset", "used_seconds", "remaining_seconds", "active_calls", "archived"],
                    rows,
                    ct);
                return CsvExport.File(bytes, $"workspaces-{clock.GetUtcNow():yyyy-MM-dd}.csv");
            })
            .RequireAuthorization()
            .ExcludeFromDescription();

        app.MapGet("/finance/calls.csv", async (HttpRequest request, UiSession session, CallQueries queries, AccountService accounts, TimeProvider clock, CancellationToken ct) =>
            {
                if (!session.Has(AccountRole.Owner, AccountRole.Finance))
                {
                    return Results.StatusCode(StatusCodes.Status403Forbidden);
                }

                var zone = (await accounts.SummaryAsync(ct))!.Account.TimeZone;
                var filter = CallDrillDown.FromQuery(request.Query).ToFilter(zone, CallQueries.MaxPageSize);
                var export = filter.IsSuccess ? await CallsCsv.PrepareAsync(queries, filter.Value, zone, ct) : filter.Error;
                if (!export.IsSuccess)
                {
                    // A person followed a link with a filter that no longer holds (e.g. a workspace of another account).
                    var status = export.Error.Code == ErrorCodes.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest;
                    return Results.Text(export.Error.Message, "text/plain; charset=utf-8", statusCode: status);
                }

                return Results.Stream(export.Value, "text/csv; charset=utf-8", $"calls-{zone.ToLocal(clock.GetUtcNow()):yyyy-MM-dd}.csv");
            })
            .RequireAuthorization()
            .ExcludeFromDescription();
    }
}
