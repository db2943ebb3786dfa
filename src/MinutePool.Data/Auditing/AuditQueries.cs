using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Auditing;

namespace MinutePool.Data.Auditing;

public sealed record AuditFilter(string? Action, string? Actor, DateTimeOffset? From, DateTimeOffset? To, int Limit = AuditQueries.DefaultLimit);

/// <summary>The current tenant's audit log, newest first, filterable by action, actor and time.</summary>
public sealed class AuditQueries(MinutePoolDbContext db)
{
    public const int DefaultLimit = 200;

    public Task<List<AuditEntry>> ListAsync(AuditFilter filter, CancellationToken cancellationToken = default)
    {
        var entries = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(filter.Action))
        {
            entries = entries.Where(e => e.Action.StartsWith(filter.Action.Trim()));
        }

        if (!string.IsNullOrWhiteSpace(filter.Actor))
        {
            entries = entries.Where(e => e.Actor.Contains(filter.Actor.Trim()));
        }

        if (filter.From is { } from)
        {
            entries = entries.Where(e => e.At >= from);
        }

        if (filter.To is { } to)
        {
            entries = entries.Where(e => e.At < to);
        }

        return entries.OrderByDescending(e => e.At).ThenByDescending(e => e.Id).Take(Math.Clamp(filter.Limit, 1, 1_000)).ToListAsync(cancellationToken);
    }

    /// <summary>The distinct actions recorded so far, for the filter's choices.</summary>
    public Task<List<string>> ActionsAsync(CancellationToken cancellationToken = default) =>
        db.AuditEntries.Select(e => e.Action).Distinct().OrderBy(a => a).ToListAsync(cancellationToken);
}
