using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MinutePool.Data.Infrastructure;

/// <summary>
/// Stores every instant as a UTC <see cref="DateTime"/>: <c>timestamp with time zone</c> on PostgreSQL and a
/// sortable ISO text on SQLite, where EF cannot compare or order <see cref="DateTimeOffset"/> columns.
/// The conversion keeps order, so range queries and ORDER BY run in the database on both.
/// </summary>
public sealed class UtcDateTimeOffsetConverter() : ValueConverter<DateTimeOffset, DateTime>(
    value => value.UtcDateTime,
    value => new DateTimeOffset(DateTime.SpecifyKind(value, DateTimeKind.Utc)));
