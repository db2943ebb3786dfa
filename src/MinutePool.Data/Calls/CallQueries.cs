using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Calls;
using MinutePool.Core.Common;
using MinutePool.Core.Workspaces;

namespace MinutePool.Data.Calls;

/// <summary>
/// Which calls: all filters are optional and combine with AND. <see cref="ProjectTag"/> matches exactly;
/// <see cref="WithoutProjectTag"/> asks for calls with no tag. <see cref="UserId"/> is a workspace's
/// sub-account user ID. The billable-seconds bounds are inclusive and, like <see cref="EndedOnly"/>, leave
/// out calls still running (they have no billable time yet).
/// </summary>
public sealed record CallFilter(
    Guid? WorkspaceId,
    DateTimeOffset? From,
    DateTimeOffset? To,
    string? Cursor,
    int Limit = CallQueries.DefaultPageSize,
    string? ProjectTag = null,
    bool WithoutProjectTag = false,
    string? UserId = null,
    long? MinBillableSeconds = null,
    long? MaxBillableSeconds = null,
    bool EndedOnly = false);

public sealed record CallPage(IReadOnlyList<Call> Items, string? NextCursor);

/// <summary>
/// The calls a filter matches, counted as the usage report counts them: <see cref="Calls"/> and
/// <see cref="BillableSeconds"/> cover ended calls only; calls still running are counted apart.
/// </summary>
public sealed record CallTotals(long Calls, long BillableSeconds, long ActiveCalls);

/// <summary>What a list of calls shows for the workspace of each: archived ones too, since their calls stay.</summary>
public sealed record CallWorkspace(Guid Id, string Name, string UserId, bool Archived);

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

        var filtered = await FilterAsync(filter, cancellationToken);
        if (!filtered.IsSuccess)
        {
            return filtered.Error;
        }

        var calls = filtered.Value;
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

    /// <summary>
    /// Count and billable time of every call the filter matches (the cursor and limit do not apply), so a
    /// drill-down can show the same number as the report it came from.
    /// </summary>
    public async Task<Result<CallTotals>> TotalsAsync(CallFilter filter, CancellationToken cancellationToken = default)
    {
        var filtered = await FilterAsync(filter, cancellationToken);
        if (!filtered.IsSuccess)
        {
            return filtered.Error;
        }

        var groups = await filtered.Value
            .GroupBy(c => c.EndedAt != null)
            .Select(g => new { Ended = g.Key, Calls = g.LongCount(), Seconds = g.Sum(c => c.BillableSeconds ?? 0) })
            .ToListAsync(cancellationToken);
        var ended = groups.FirstOrDefault(g => g.Ended);
        var active = groups.FirstOrDefault(g => !g.Ended);
        return new CallTotals(ended?.Calls ?? 0, ended?.Seconds ?? 0, active?.Calls ?? 0);
    }

    /// <summary>The tenant's workspaces by name, archived ones included, to label calls and offer as a filter.</summary>
    public async Task<IReadOnlyList<CallWorkspace>> WorkspacesAsync(CancellationToken cancellationToken = default)
    {
        var workspaces = await db.Workspaces.AsNoTracking()
            .Select(w => new CallWorkspace(w.Id, w.Name, w.UserId, w.ArchivedAt != null))
            .ToListAsync(cancellationToken);
        return workspaces.OrderBy(w => w.Name, StringComparer.OrdinalIgnoreCase).ThenBy(w => w.Id).ToList();
    }

    /// <summary>The tenant's calls narrowed by every filter but the cursor; a bad filter is refused by name.</summary>
    private async Task<Result<IQueryable<Call>>> FilterAsync(CallFilter filter, CancellationToken cancellationToken)
    {
        if (filter.From is { } from && filter.To is { } to && to < from)
        {
            return new DomainError(ErrorCodes.InvalidTimeRange, "to is before from.", "to");
        }

        if (CallRules.CheckProjectTag(filter.ProjectTag) is { } badTag)
        {
            return badTag;
        }

        if (filter.ProjectTag is not null && filter.WithoutProjectTag)
        {
            return DomainError.Validation("projectTag", "Ask for one project tag or for calls without a tag, not both.");
        }

        if (filter.UserId is not null && !SubAccountCredentials.IsWellFormedUserId(filter.UserId))
        {
            return DomainError.Validation("userId", "userId is a workspace's 8-digit user ID.");
        }

        if (filter.MinBillableSeconds < 0)
        {
            return DomainError.Validation("minBillableSeconds", "minBillableSeconds cannot be negative.");
        }

        if (filter.MaxBillableSeconds < 0)
        {
            return DomainError.Validation("maxBillableSeconds", "maxBillableSeconds cannot be negative.");
        }

        if (filter.MinBillableSeconds is { } least && filter.MaxBillableSeconds is { } most && most < least)
        {
            return DomainError.Validation("maxBillableSeconds", "maxBillableSeconds is below minBillableSeconds.");
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

        if (filter.UserId is { } userId)
        {
            // User IDs are unique across the system, but the tenant filter on workspaces is what keeps
            // another account's user ID answering "not found" rather than its calls.
            var owner = await db.Workspaces.Where(w => w.UserId == userId).Select(w => (Guid?)w.Id).FirstOrDefaultAsync(cancellationToken);
            if (owner is not { } ownerId)
            {
                return DomainError.NotFound("A workspace with that user ID");
            }

            calls = calls.Where(c => c.WorkspaceId == ownerId);
        }

        if (filter.From is { } start)
        {
            calls = calls.Where(c => c.StartedAt >= start);
        }

        if (filter.To is { } end)
        {
            calls = calls.Where(c => c.StartedAt < end);
        }

        if (filter.ProjectTag is { } projectTag)
        {
            calls = calls.Where(c => c.ProjectTag == projectTag);
        }

        if (filter.WithoutProjectTag)
        {
            calls = calls.Where(c => c.ProjectTag == null);
        }

        if (filter.EndedOnly)
        {
            calls = calls.Where(c => c.EndedAt != null);
        }

        if (filter.MinBillableSeconds is { } min)
        {
            calls = calls.Where(c => c.BillableSeconds != null && c.BillableSeconds >= min);
        }

        if (filter.MaxBillableSeconds is { } max)
        {
            calls = calls.Where(c => c.BillableSeconds != null && c.BillableSeconds <= max);
        }

        return Result<IQueryable<Call>>.Ok(calls);
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
