using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using MinutePool.Core.Common;

namespace MinutePool.Web.Api.Infrastructure;

/// <summary>
/// Requests that fail before an endpoint runs — malformed JSON, wrong types, a body over the size
/// limit — answer with a problem document and the API's codes, naming the field where JSON says which.
/// </summary>
public sealed class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        DomainError? error = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                new DomainError(ErrorCodes.PayloadTooLarge, "The request body is larger than this endpoint accepts."),
            BadHttpRequestException { InnerException: JsonException json } =>
                DomainError.Validation(FieldOf(json.Path), $"The JSON body could not be read: {json.Message}"),
            BadHttpRequestException bad => DomainError.Validation("body", bad.Message),
            JsonException json => DomainError.Validation(FieldOf(json.Path), $"The JSON body could not be read: {json.Message}"),
            _ => null,
        };
        // The middleware has already pointed the request at the error page; the feature keeps the path that failed.
        var path = new PathString(httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path);
        if (!path.StartsWithSegments("/api"))
        {
            // Browser pages get the error page (re-executed by the exception handler middleware).
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, path);
            return false;
        }

        if (error is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, path);
            error = new DomainError("internal_error", "The request could not be completed; nothing was changed. Try again.");
            httpContext.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }

        var result = (ProblemHttpResult)ApiProblems.Result(error);
        await result.ExecuteAsync(httpContext);
        return true;
    }

    /// <summary><c>$.records[3].startedAt</c> → <c>records[3].startedAt</c>; the whole body is <c>body</c>.</summary>
    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
}
