using MinutePool.Core.Common;

namespace MinutePool.Core.Calls;

/// <summary>What a call record must satisfy before it may touch a balance.</summary>
public static class CallRules
{
    /// <summary>Clocks drift: a start or end up to this far in the future is accepted.</summary>
    public static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    /// <summary>Late records are charged to the period they started in, as far back as this.</summary>
    public static readonly TimeSpan MaxLateness = TimeSpan.FromDays(35);

    public static DomainError? CheckCallId(string? callId)
    {
        if (string.IsNullOrWhiteSpace(callId) || callId.Length > Call.MaxCallIdLength || callId.Any(char.IsControl))
        {
            return DomainError.Validation("callId", $"A callId is 1 to {Call.MaxCallIdLength} printable characters.");
        }

        return null;
    }

    public static DomainError? CheckProjectTag(string? projectTag) =>
        projectTag is null || (projectTag.Length is > 0 and <= Call.MaxProjectTagLength && !projectTag.Any(char.IsControl))
            ? null
            : DomainError.Validation("projectTag", $"A project tag is 1 to {Call.MaxProjectTagLength} printable characters.");

    public static DomainError? CheckStart(DateTimeOffset startedAt, DateTimeOffset now)
    {
        if (startedAt > now + FutureTolerance)
        {
            return new DomainError(ErrorCodes.InvalidTimeRange, "startedAt is more than 5 minutes in the future.", "startedAt");
        }

        if (startedAt < now - MaxLateness)
        {
            return new DomainError(ErrorCodes.InvalidTimeRange, "startedAt is more than 35 days in the past.", "startedAt");
        }

        return null;
    }

    public static DomainError? CheckEnd(DateTimeOffset startedAt, DateTimeOffset endedAt, DateTimeOffset now)
    {
        if (endedAt < startedAt)
        {
            return new DomainError(ErrorCodes.InvalidTimeRange, "endedAt is before the call's start.", "endedAt");
        }

        if (endedAt > now + FutureTolerance)
        {
            return new DomainError(ErrorCodes.InvalidTimeRange, "endedAt is more than 5 minutes in the future.", "endedAt");
        }

        return null;
    }
}
