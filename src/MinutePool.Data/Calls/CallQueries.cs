using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Calls;
using MinutePool.Core.Common;

namespace MinutePool.Data.Calls;

public sealed record CallFilter(Guid? WorkspaceId, DateTimeOffset? From, DateTimeOffset? To, string? Cursor, int Limit = CallQueries.DefaultPageSize);

public sealed record CallPage(IReadOnlyList<Call> Items, string? NextCursor);

/// <summary>
/// Pages through the tenant's calls in start order with a keyset cursor (start, call id), so pages stay
/// stable while calls are being added and no page costs more than the one before.
/// </summary>
public sealed class CallQueries(MinutePoolDbContext db)
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1_000;

    public async Task<Result<CallPage>> ListAsync(CallFilter filter, CancellationToken cancellationToken = default)
    {
        if (filter.Limit is < 1 or > MaxPageSize)
        {
            return DomainError.Validation("limit", $"limit is 1 to {MaxPageSize}.");
        }

        if (filter.From is { } from && filter.To is { } to && to < from)
        {
            return new DomainError(ErrorCodes.InvalidTimeRange, "to is before from.", "to");
        }

        var calls = db.Calls.AsNoTracking();
        if (filter.WorkspaceId is { } workspaceId)
        {
            if (!await db.Workspaces.AnyAsync(w => w.Id == workspaceId, cancellationToken))
            {
                return DomainError.NotFound("The workspace");
            }

            calls = calls.Where(c => c.WorkspaceId == workspaceId);
        }

        if (filter.From is { } start)
        {
            calls = calls.Where(c => c.StartedAt >= start);
        }

        if (filter.To is { } end)
        {
            calls = calls.Where(c => c.StartedAt < end);
        }

        if (filter.Cursor is not null)
        {
            if (!TryDecode(filter.Cursor, out var afterStart, out var afterId))
            {
                return DomainError.Validation("cursor", "cursor is not one this API gave out.");
            }

            calls = calls.Where(c => c.StartedAt > afterStart || (c.StartedAt == afterStart && string.Compare(c.CallId, afterId) > 0));
        }

        var items = await calls.OrderBy(c => c.StartedAt).ThenBy(c => c.CallId).Take(filter.Limit + 1).ToListAsync(cancellationToken);
        string? next = null;
        if (items.Count > filter.Limit)
        {
            items.RemoveAt(items.Count - 1);
            next = Encode(items[^1]);
        }

        return new CallPage(items, next);
    }

    private static string Encode(Call last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.StartedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{last.CallId}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(string cursor, out DateTimeOffset startedAt, out string callId)
    {
        startedAt = default;
        callId = "";
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var buffer = new byte[base64.Length];
        if (cursor.Length > 400 || !Convert.TryFromBase64String(base64, buffer, out var length))
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(buffer, 0, length);
        var separator = text.IndexOf('|', StringComparison.Ordinal);
        if (separator < 1 || !long.TryParse(text.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        startedAt = new DateTimeOffset(ticks, TimeSpan.Zero);
        callId = text[(separator + 1)..];
        return callId.Length > 0;
    }
}
