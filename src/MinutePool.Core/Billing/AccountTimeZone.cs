using System.Diagnostics.CodeAnalysis;
using NodaTime;

namespace MinutePool.Core.Billing;

/// <summary>
/// An IANA time zone (e.g. <c>Europe/Berlin</c>) from the TZDB that ships with NodaTime, so period
/// boundaries are the same on every machine whatever its operating system's zone data.
/// </summary>
public sealed class AccountTimeZone
{
    private AccountTimeZone(DateTimeZone zone) => Zone = zone;

    public string Id => Zone.Id;

    internal DateTimeZone Zone { get; }

    public static bool TryParse(string? id, [NotNullWhen(true)] out AccountTimeZone? timeZone)
    {
        var zone = string.IsNullOrWhiteSpace(id) ? null : DateTimeZoneProviders.Tzdb.GetZoneOrNull(id.Trim());
        timeZone = zone is null ? null : new AccountTimeZone(zone);
        return timeZone is not null;
    }

    public static AccountTimeZone Parse(string id) =>
        TryParse(id, out var zone) ? zone : throw new ArgumentException($"Unknown IANA time zone '{id}'.", nameof(id));

    /// <summary>Today's day of the month in this zone: the default billing day of a new account.</summary>
    public int DayOfMonth(DateTimeOffset instant) => Instant.FromDateTimeOffset(instant).InZone(Zone).Day;

    /// <summary>The instant of a local wall-clock time; in a daylight-saving gap it moves forward, in an overlap it takes the earlier.</summary>
    public DateTimeOffset ToInstant(DateTime localTime) =>
        LocalDateTime.FromDateTime(localTime).InZoneLeniently(Zone).ToDateTimeOffset().ToUniversalTime();

    /// <summary>The first instant of a local calendar day (midnight, or the first moment after a gap).</summary>
    public DateTimeOffset StartOfDay(DateOnly date) => ToInstant(date.ToDateTime(TimeOnly.MinValue));

    public DateTimeOffset ToLocal(DateTimeOffset instant) => Instant.FromDateTimeOffset(instant).InZone(Zone).ToDateTimeOffset();

    public override string ToString() => Id;
}
