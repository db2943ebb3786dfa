using System.Globalization;
using MinutePool.Core.Common;

namespace MinutePool.Web.Api.Infrastructure;

/// <summary>Query-string values parsed by hand so that a bad one is reported by its parameter name.</summary>
public static class QueryValues
{
    public static Result<DateTimeOffset?> Instant(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Result<DateTimeOffset?>.Ok(null);
        }

        return DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
               && parsed.Year is >= 2000 and <= 2200
            ? Result<DateTimeOffset?>.Ok(parsed)
            : DomainError.Validation(name, $"{name} must be an ISO 8601 date-time, e.g. 2026-11-20T00:00:00Z.");
    }

    public static Result<Guid?> Id(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Result<Guid?>.Ok(null);
        }

        return Guid.TryParse(value, out var parsed) ? Result<Guid?>.Ok(parsed) : DomainError.Validation(name, $"{name} must be an id.");
    }

    public static Result<long?> WholeNumber(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Result<long?>.Ok(null);
        }

        return long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
            ? Result<long?>.Ok(parsed)
            : DomainError.Validation(name, $"{name} must be a whole number.");
    }
}
