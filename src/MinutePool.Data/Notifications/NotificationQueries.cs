using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Notifications;

namespace MinutePool.Data.Notifications;

/// <summary>The current tenant's in-app notices: newest first, the unread count, and marking them read.</summary>
/// <remarks>Read state belongs to the notice, so it is shared by everyone in the account.</remarks>
public sealed class NotificationQueries(MinutePoolDbContext db, TimeProvider clock)
{
    public const int DefaultLimit = 100;

    public Task<List<Notification>> ListAsync(int limit = DefaultLimit, CancellationToken cancellationToken = default) =>
        db.Notifications.AsNoTracking()
            .OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Id)
            .Take(Math.Clamp(limit, 1, 1_000))
            .ToListAsync(cancellationToken);

    public Task<int> UnreadCountAsync(CancellationToken cancellationToken = default) =>
        db.Notifications.CountAsync(n => n.ReadAt == null, cancellationToken);

    /// <summary>Marks every unread notice read; answers how many were.</summary>
    public Task<int> MarkAllReadAsync(CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        return db.Notifications
            .Where(n => n.ReadAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(n => n.ReadAt, now), cancellationToken);
    }
}
