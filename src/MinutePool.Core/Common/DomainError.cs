namespace MinutePool.Core.Common;

/// <summary>
/// A refusal by a domain rule. <see cref="Code"/> is one of <see cref="ErrorCodes"/> and is what
/// API clients branch on; <see cref="Field"/> names the input at fault, when there is one.
/// </summary>
public sealed record DomainError(string Code, string Message, string? Field = null)
{
    /// <summary>Extra machine-readable facts, e.g. <c>remainingAllocatableMinutes</c> or <c>scope</c>.</summary>
    public IReadOnlyDictionary<string, object?> Extensions { get; init; } = new Dictionary<string, object?>();

    public static DomainError Validation(string field, string message) => new(ErrorCodes.ValidationFailed, message, field);

    public static DomainError NotFound(string what) => new(ErrorCodes.NotFound, $"{what} was not found.");

    public DomainError With(string key, object? value)
    {
        var extensions = new Dictionary<string, object?>(Extensions) { [key] = value };
        return this with { Extensions = extensions };
    }
}

/// <summary>The error codes of the API contract (shared/API.md).</summary>
public static class ErrorCodes
{
    public const string ValidationFailed = "validation_failed";
    public const string NotFound = "not_found";
    public const string Duplicate = "duplicate";
    public const string AllocationExceedsBalance = "allocation_exceeds_balance";
    public const string AllocationsExceedPlan = "allocations_exceed_plan";
    public const string DistributionDisabled = "distribution_disabled";
    public const string MinutesExhausted = "minutes_exhausted";
    public const string ConcurrentCallLimit = "concurrent_call_limit";
    public const string WorkspaceArchived = "workspace_archived";
    public const string InvalidPasscode = "invalid_passcode";
    public const string PasscodeLocked = "passcode_locked";
    public const string InvalidTimeRange = "invalid_time_range";
    public const string CallNotFound = "call_not_found";
    public const string Unauthorized = "unauthorized";
    public const string RateLimited = "rate_limited";
    public const string PayloadTooLarge = "payload_too_large";

    /// <summary>Not in API.md: the database could not be reached; nothing was changed, retry later (503).</summary>
    public const string ServiceUnavailable = "service_unavailable";

    /// <summary>Not in API.md: an unexpected fault; nothing was changed (500).</summary>
    public const string InternalError = "internal_error";
}
