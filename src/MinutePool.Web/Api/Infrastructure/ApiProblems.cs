using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using MinutePool.Core.Common;

namespace MinutePool.Web.Api.Infrastructure;

/// <summary>
/// RFC 7807 problem documents with the API's <c>code</c> member (shared/API.md), and the one place
/// where a domain error code becomes an HTTP status.
/// </summary>
public static class ApiProblems
{
    public static int StatusOf(string code) => code switch
    {
        ErrorCodes.ValidationFailed => StatusCodes.Status400BadRequest,
        ErrorCodes.NotFound or ErrorCodes.CallNotFound => StatusCodes.Status404NotFound,
        ErrorCodes.Duplicate or ErrorCodes.DistributionDisabled or ErrorCodes.ConcurrentCallLimit => StatusCodes.Status409Conflict,
        ErrorCodes.AllocationExceedsBalance or ErrorCodes.AllocationsExceedPlan or ErrorCodes.InvalidTimeRange => StatusCodes.Status422UnprocessableEntity,
        ErrorCodes.MinutesExhausted or ErrorCodes.WorkspaceArchived => StatusCodes.Status403Forbidden,
        ErrorCodes.InvalidPasscode or ErrorCodes.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorCodes.PasscodeLocked or ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        ErrorCodes.PayloadTooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorCodes.ServiceUnavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCodes.InternalError => StatusCodes.Status500InternalServerError,
        _ => StatusCodes.Status400BadRequest,
    };

    public static ProblemDetails Create(DomainError error)
    {
        var status = StatusOf(error.Code);
        var problem = new ProblemDetails
        {
            Status = status,
            Title = TitleOf(error.Code),
            Detail = error.Message,
            Type = $"https://minutepool.dev/problems/{error.Code}",
        };
        problem.Extensions["code"] = error.Code;
        if (error.Field is not null)
        {
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [error.Field] = [error.Message] };
        }

        foreach (var (key, value) in error.Extensions)
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    public static IResult Result(DomainError error) => Results.Problem(Create(error));

    /// <summary>
    /// A status answered without a body before any endpoint ran (no route matches, wrong method) still gets a
    /// problem document with a code, so integrators can always branch on <c>code</c>.
    /// </summary>
    public static Task ForBareStatusAsync(StatusCodeContext context)
    {
        var status = context.HttpContext.Response.StatusCode;
        var error = status switch
        {
            StatusCodes.Status401Unauthorized => new DomainError(ErrorCodes.Unauthorized, "Send a valid API key as Authorization: Bearer <key>."),
            StatusCodes.Status404NotFound => new DomainError(ErrorCodes.NotFound, "No such resource: check the path and the id in it."),
            StatusCodes.Status413PayloadTooLarge => new DomainError(ErrorCodes.PayloadTooLarge, "The request body is larger than this endpoint accepts."),
            StatusCodes.Status429TooManyRequests => new DomainError(ErrorCodes.RateLimited, "Too many requests; retry later."),
            >= 500 => new DomainError(ErrorCodes.InternalError, "The request could not be completed; nothing was changed. Try again."),
            _ => new DomainError(ErrorCodes.ValidationFailed, $"The request cannot be served as sent (HTTP {status}): check the method and the path."),
        };
        var problem = Create(error);
        problem.Status = status;
        return Results.Problem(problem).ExecuteAsync(context.HttpContext);
    }

    public static IResult Validation(string field, string message) => Result(DomainError.Validation(field, message));

    private static string TitleOf(string code) => code switch
    {
        ErrorCodes.ValidationFailed => "The request is not valid.",
        ErrorCodes.NotFound => "Not found.",
        ErrorCodes.CallNotFound => "No such call.",
        ErrorCodes.Duplicate => "It exists already.",
        ErrorCodes.AllocationExceedsBalance => "The allocation exceeds the minutes still free.",
        ErrorCodes.AllocationsExceedPlan => "The allocations exceed the new plan.",
        ErrorCodes.DistributionDisabled => "Minute distribution is off.",
        ErrorCodes.MinutesExhausted => "No minutes remain.",
        ErrorCodes.ConcurrentCallLimit => "Too many simultaneous calls.",
        ErrorCodes.WorkspaceArchived => "The workspace is archived.",
        ErrorCodes.InvalidPasscode => "Wrong user ID or passcode.",
        ErrorCodes.PasscodeLocked => "The user ID is locked.",
        ErrorCodes.InvalidTimeRange => "The times are not valid.",
        ErrorCodes.Unauthorized => "Authentication is required.",
        ErrorCodes.RateLimited => "Too many requests.",
        ErrorCodes.PayloadTooLarge => "The request is too large.",
        _ => "The request cannot be served.",
    };
}

/// <summary>Turns a service result into a typed HTTP answer.</summary>
public static class ResultExtensions
{
    public static IResult ToHttp<T>(this Result<T> result, Func<T, IResult> onSuccess) =>
        result.IsSuccess ? onSuccess(result.Value) : ApiProblems.Result(result.Error);
}
