using MinutePool.Web.Api.Infrastructure;
using MinutePool.Web.Ui;

namespace MinutePool.Web.Hosting;

/// <summary>
/// The browser's middleware, for browser requests only: static files, cookie sign-in, the UI session, authorization
/// and antiforgery. An API request authenticates by its key in the endpoint filters (ApiKeyFilter, OperatorFilter) and
/// carries no cookie, form or file, yet each of these ran on every one of them: an allocation trace of the balance
/// reads beside call load (EventPipe GCAllocationTick) put the cookie handler, its authentication task and the
/// middleware's state machines at 6 % of what the app allocated.
/// </summary>
public static class BrowserMiddleware
{
    // WebApplication adds authentication, authorization and antiforgery to the front of the whole pipeline when the app
    // did not add them itself, and one added inside a UseWhen branch does not count (dotnet/aspnetcore#48098): these are
    // the markers the Use… methods set on the builder they are called on, set on the app's own builder as well.
    private static readonly string[] AddedMarkers = ["__AuthenticationMiddlewareSet", "__AuthorizationMiddlewareSet", "__AntiforgeryMiddlewareSet"];

    public static IApplicationBuilder UseBrowserMiddleware(this IApplicationBuilder app)
    {
        app.UseWhen(http => !ApiPaths.IsApi(http), browser =>
        {
            browser.UseStaticFiles();
            browser.UseAuthentication();
            browser.UseUiSession();
            browser.UseAuthorization();
            browser.UseAntiforgery();
        });
        foreach (var marker in AddedMarkers)
        {
            app.Properties[marker] = true;
        }

        return app;
    }
}
