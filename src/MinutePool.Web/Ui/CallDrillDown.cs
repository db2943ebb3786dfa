using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.WebUtilities;
using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Core.Common;
using MinutePool.Data.Calls;

namespace MinutePool.Web.Ui;

/// <summary>
/// The finance drill-down's filters as people type them in the query string of /finance/calls and
/// /finance/calls.csv: dates are account-local days (the "to" day included), durations whole minutes
/// of billable time. The page and the CSV read the same values, so a download is exactly the table.
/// </summary>
public sealed record CallDrillDown(
    string? Workspace = null,
    string? UserId = null,
    string? Tag = null,
    string? Untagged = null,
    string? From = null,
    string? To = null,
    string? MinMinutes = null,
    string? MaxMinutes = null,
    string? Cursor = null)
{
    public const int PageSize = 50;

    public bool WithoutTag => string.Equals(Untagged?.Trim(), "true", StringComparison.OrdinalIgnoreCase);

    public static CallDrillDown FromQuery(IQueryCollection query) => new(
        query["workspace"].FirstOrDefault(), query["userId"].FirstOrDefault(), query["tag"].FirstOrDefault(), query["untagged"].FirstOrDefault(),
        query["from"].FirstOrDefault(), query["to"].FirstOrDefault(), query["minMinutes"].FirstOrDefault(), query["maxMinutes"].FirstOrDefault(),
        query["cursor"].FirstOrDefault());

    /// <summary>The data-layer filter, or the first value that cannot be read, named by its form field.</summary>
    public Result<CallFilter> ToFilter(AccountTimeZone zone, int limit)
    {
        Guid? workspace = null;
        if (!string.IsNullOrWhiteSpace(Workspace))
        {
            if (!Guid.TryParse(Workspace, out var id))
            {
                return DomainError.Validation("workspace", "Pick a workspace from the list.");
            }

            workspace = id;
        }

        var userId = Blank(UserId)?.Trim();
        if (userId is not null && !Core.Workspaces.SubAccountCredentials.IsWellFormedUserId(userId))
        {
            return DomainError.Validation("userId", $"\"{userId}\" is not a user ID: user IDs are 8 digits, e.g. 40218337.");
        }

        var tag = Blank(Tag)?.Trim();
        if (tag is not null && WithoutTag)
        {
            return DomainError.Validation("tag", "Enter a project tag or tick \"only calls without a tag\", not both.");
        }

        if (CallRules.CheckProjectTag(tag) is not null)
        {
            return DomainError.Validation("tag", $"A project tag is at most {Call.MaxProjectTagLength} printable characters.");
        }

        if (!TryDate(From, out var fromDay))
        {
            return DomainError.Validation("from", $"\"{From}\" is not a date; use the date picker or yyyy-mm-dd.");
        }

        if (!TryDate(To, out var toDay))
        {
            return DomainError.Validation("to", $"\"{To}\" is not a date; use the date picker or yyyy-mm-dd.");
        }

        if (fromDay is { } f && toDay is { } t && t < f)
        {
            return new DomainError(ErrorCodes.InvalidTimeRange, "The \"to\" date is before the \"from\" date.", "to");
        }

        if (!TryMinutes(MinMinutes, out var least))
        {
            return DomainError.Validation("minMinutes", $"\"{MinMinutes}\" is not a number of minutes; enter a whole number, 0 or more.");
        }

        if (!TryMinutes(MaxMinutes, out var most))
        {
            return DomainError.Validation("maxMinutes", $"\"{MaxMinutes}\" is not a number of minutes; enter a whole number, 0 or more.");
        }

        if (least is { } low && most is { } high && high < low)
        {
            return DomainError.Validation("maxMinutes", "The longest duration is shorter than the shortest.");
        }

        return new CallFilter(
            workspace,
            fromDay is { } start ? zone.StartOfDay(start) : null,
            toDay is { } end ? zone.StartOfDay(end.AddDays(1)) : null,
            Blank(Cursor),
            limit,
            ProjectTag: tag,
            WithoutProjectTag: WithoutTag,
            UserId: userId,
            MinBillableSeconds: least * 60,
            MaxBillableSeconds: most * 60);
    }

    /// <summary>The filters as a query string ("?…" or ""), without the cursor unless one is given.</summary>
    public string QueryString(string? cursor = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["workspace"] = Blank(Workspace),
            ["userId"] = Blank(UserId),
            ["tag"] = Blank(Tag),
            ["untagged"] = WithoutTag ? "true" : null,
            ["from"] = Blank(From),
            ["to"] = Blank(To),
            ["minMinutes"] = Blank(MinMinutes),
            ["maxMinutes"] = Blank(MaxMinutes),
            ["cursor"] = cursor,
        };
        return QueryHelpers.AddQueryString("", values.Where(v => v.Value is not null));
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static bool TryDate(string? value, out DateOnly? day)
    {
        day = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        if (DateOnly.TryParseExact(value.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && parsed.Year is >= 2000 and <= 2200)
        {
            day = parsed;
            return true;
        }

        return false;
    }

    private static bool TryMinutes(string? value, out long? minutes)
    {
        minutes = null;
        if (string.IsNullOrWhiteSpace(value))
        {
            return true;
        }

        // Bounded so that minutes × 60 can never overflow.
        if (long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed <= 100_000_000)
        {
            minutes = parsed;
            return true;
        }

        return false;
    }
}

/// <summary>
/// Every call a drill-down filter matches as CSV, page after page from the database straight to the
/// response, so an export of a year of calls never sits in memory.
/// </summary>
public static class CallsCsv
{
    public static readonly IReadOnlyList<string> Header =
        ["started_at_local", "time_zone", "started_at_utc", "ended_at_utc", "workspace", "user_id", "project_tag", "duration_seconds", "billable_seconds", "call_id"];

    /// <summary>
    /// Reads the first page before anything is written, so a bad filter is answered as an error rather than
    /// as a half-written file; the returned writer streams that page and all that follow.
    /// </summary>
    public static async Task<Result<Func<Stream, Task>>> PrepareAsync(CallQueries queries, CallFilter filter, AccountTimeZone zone, CancellationToken cancellationToken = default)
    {
        var paged = filter with { Cursor = null, Limit = CallQueries.MaxPageSize };
        var first = await queries.ListAsync(paged, cancellationToken);
        if (!first.IsSuccess)
        {
            return first.Error;
        }

        var workspaces = (await queries.WorkspacesAsync(cancellationToken)).ToDictionary(w => w.Id);
        return Result<Func<Stream, Task>>.Ok(output => CsvExport.StreamAsync(output, Header, RowsAsync(queries, paged, first.Value, workspaces, zone, cancellationToken), cancellationToken));
    }

    private static async IAsyncEnumerable<IReadOnlyList<object?>> RowsAsync(
        CallQueries queries, CallFilter filter, CallPage first, IReadOnlyDictionary<Guid, CallWorkspace> workspaces, AccountTimeZone zone,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var page = first;
        while (true)
        {
            foreach (var call in page.Items)
            {
                var workspace = workspaces.GetValueOrDefault(call.WorkspaceId);
                yield return
                [
                    zone.ToLocal(call.StartedAt).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), zone.Id,
                    Utc(call.StartedAt), call.EndedAt is { } ended ? Utc(ended) : null,
                    workspace?.Name, workspace?.UserId, call.ProjectTag, call.DurationSeconds, call.BillableSeconds, call.CallId,
                ];
            }

            if (page.NextCursor is null)
            {
                yield break;
            }

            var next = await queries.ListAsync(filter with { Cursor = page.NextCursor }, cancellationToken);
            page = next.IsSuccess ? next.Value : throw new InvalidOperationException($"A cursor the query gave out was refused: {next.Error.Code}.");
        }
    }

    private static string Utc(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
