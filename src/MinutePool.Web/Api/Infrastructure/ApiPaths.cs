namespace MinutePool.Web.Api.Infrastructure;

/// <summary>
/// Which requests are the HTTP API's: everything under <c>/api</c>. The pipeline branches on it in several places (the
/// API's problem-details status pages and exception answers, its gate, the browser middleware it skips), so they agree.
/// </summary>
public static class ApiPaths
{
    public static readonly PathString Root = "/api";

    public static bool IsApi(PathString path) => path.StartsWithSegments(Root);

    public static bool IsApi(HttpContext http) => IsApi(http.Request.Path);
}
