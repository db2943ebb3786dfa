using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MinutePool.Core.Common;
using MinutePool.Web.Hosting;

namespace MinutePool.Web.Api.Infrastructure;

/// <summary>
/// Operator endpoints: <c>Authorization: Bearer {MinutePool:OperatorToken}</c>. With no token configured
/// they do not exist (404), so a deployment that never set one exposes nothing.
/// </summary>
public sealed class OperatorFilter(IOptionsMonitor<MinutePoolOptions> options) : IEndpointFilter
{
    public const string Actor = "operator";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var expected = options.CurrentValue.OperatorToken;
        if (string.IsNullOrEmpty(expected))
        {
            return ApiProblems.Result(DomainError.NotFound("The resource"));
        }

        var given = ApiKeyFilter.BearerToken(context.HttpContext.Request) ?? "";
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
        {
            return ApiProblems.Result(new DomainError(ErrorCodes.Unauthorized, "Send the operator token as 'Authorization: Bearer <token>'."));
        }

        return await next(context);
    }
}
