using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Notifications;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Data.Notifications;

/// <summary>A notice to publish: shown in the app and, when the account has a webhook, delivered to it.</summary>
public sealed record NoticeDraft(string DedupKey, string Kind, string Title, string Body, object Data);

/// <summary>
/// The one way notices are published. Each dedup key is published once per account, however often a job
/// runs or how many instances run it; the webhook delivery is queued in the same transaction, so a notice
/// is never shown without being sent, or sent twice.
/// </summary>
public sealed class NotificationPublisher(MinutePoolDbContext db, TimeProvider clock)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Publishes for <paramref name="accountId"/>; false when the notice existed already.</summary>
    public async Task<bool> PublishAsync(Guid accountId, NoticeDraft draft, CancellationToken cancellationToken = default)
    {
        if (await db.Notifications.IgnoreQueryFilters().AnyAsync(n => n.AccountId == accountId && n.DedupKey == draft.DedupKey, cancellationToken))
        {
            return false;
        }

        var now = clock.GetUtcNow();
        var notification = new Notification
        {
            AccountId = accountId,
            DedupKey = draft.DedupKey,
            Kind = draft.Kind,
            Title = draft.Title,
            Body = draft.Body,
            Data = JsonSerializer.Serialize(draft.Data, Json),
            CreatedAt = now,
        };
        db.Notifications.Add(notification);
        var webhook = await db.Accounts.IgnoreQueryFilters().Where(a => a.Id == accountId).Select(a => a.WebhookUrl).SingleAsync(cancellationToken);
        if (!string.IsNullOrEmpty(webhook))
        {
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                AccountId = accountId,
                NotificationId = notification.Id,
                Url = webhook,
                Payload = WebhookPayload(notification),
                Status = DeliveryStatus.Pending,
                NextAttemptAt = now,
                CreatedAt = now,
            });
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException e) when (DatabaseOptions.IsUniqueViolation(e))
        {
            // Another instance published the same notice at the same moment.
            db.ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>The JSON body posted to webhooks: <c>{id, type, createdAt, accountId, title, body, data}</c>.</summary>
    public static string WebhookPayload(Notification n) => JsonSerializer.Serialize(
        new { id = n.Id, type = n.Kind, createdAt = n.CreatedAt, accountId = n.AccountId, title = n.Title, body = n.Body, data = JsonDocument.Parse(n.Data).RootElement },
        Json);
}
