using MinutePool.Web.Api.Accounts;
using MinutePool.Web.Api.Calls;
using MinutePool.Web.Api.Infrastructure;
using MinutePool.Web.Api.Operator;
using MinutePool.Web.Api.Reports;
using MinutePool.Web.Api.Workspaces;

namespace MinutePool.Web.Api;

/// <summary>HTTP API v1 (shared/API.md): operator endpoints behind the operator token, the rest behind API keys.</summary>
public static class ApiEndpoints
{
    public static void MapMinutePoolApi(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1").RequireRateLimiting(ApiLimits.PerKeyPolicy);
        api.MapOperatorEndpoints();

        var account = api.MapGroup("").AddEndpointFilter<ApiKeyFilter>();
        account.MapAccountEndpoints();
        account.MapWorkspaceEndpoints();
        account.MapCallEndpoints();
        account.MapReportEndpoints();
    }
}
