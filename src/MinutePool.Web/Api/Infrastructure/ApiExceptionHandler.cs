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
            _ when DatabaseUnavailable(exception) => new DomainError(ErrorCodes.ServiceUnavailable, "The database cannot be reached just now; nothing was changed. Retry shortly with the same call id."),
            _ => null,
        };
        // The middleware has already pointed the request at the error page; the feature keeps the path that failed.
        var path = new PathString(httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path);
        if (!ApiPaths.IsApi(path))
        {
            // Browser pages get the error page (re-executed by the exception handler middleware).
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, path);
            return false;
        }

        if (error is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, path);
            error = new DomainError(ErrorCodes.InternalError, "The request could not be completed; nothing was changed. Try again.");
        }
        else if (error.Code == ErrorCodes.ServiceUnavailable)
        {
            logger.LogWarning("Database unavailable on {Method} {Path}: {Reason}", httpContext.Request.Method, path, exception.GetBaseException().Message);
            httpContext.Response.Headers.RetryAfter = "5";
        }

        var result = (ProblemHttpResult)ApiProblems.Result(error);
        await result.ExecuteAsync(httpContext);
        return true;
    }

    /// <summary>
    /// A connection that could not be opened or was lost (server down, restarting, refusing connections): a
    /// transient Npgsql fault anywhere in the chain, or a broken socket (the API talks to nothing else over sockets).
    /// </summary>
    private static bool DatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.NpgsqlException { IsTransient: true }
                or Npgsql.PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "55000" or "53300" }
                or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>$.records[3].startedAt</c> → <c>records[3].startedAt</c>; the whole body is <c>body</c>.</summary>
    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
}
