using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Common;
using MinutePool.Core.Notifications;
using MinutePool.Data.Auditing;

namespace MinutePool.Data.Notifications;

/// <summary>The current tenant's webhook: where it posts, and whether a signing secret exists (never the secret).</summary>
public sealed record WebhookSettings(string? Url, bool HasSecret)
{
    public bool IsConfigured => Url is not null;
}

/// <summary>
/// The outcome of saving the URL. <see cref="NewSecret"/> is set only when a secret was created by this save:
/// it is shown to the owner once and cannot be read back.
/// </summary>
public sealed record WebhookConfigured(string Url, string? NewSecret);

/// <summary>A line of the delivery log: the delivery and the kind of the notice it carries.</summary>
public sealed record DeliveryView(WebhookDelivery Delivery, string Kind);

/// <summary>
/// The current tenant's webhook: set the URL (a signing secret is created with the first one), rotate the secret,
/// disable, send a test notice, and read the delivery log. Every change is audited; the secret never is.
/// </summary>
public sealed class WebhookService(MinutePoolDbContext db, NotificationPublisher publisher, TimeProvider clock)
{
    public const int MaxUrlLength = 2_000;

    public const int DefaultLogLimit = 100;

    public async Task<WebhookSettings?> SettingsAsync(CancellationToken cancellationToken = default) =>
        await db.Accounts.AsNoTracking()
            .Select(a => new WebhookSettings(a.WebhookUrl, a.WebhookSecret != null))
            .SingleOrDefaultAsync(cancellationToken);

    /// <summary>Sets the URL notices are posted to; creates a signing secret when the account has none.</summary>
    public async Task<Result<WebhookConfigured>> ConfigureAsync(string? url, string actor, CancellationToken cancellationToken = default)
    {
        var checkedUrl = CheckUrl(url);
        if (!checkedUrl.IsSuccess)
        {
            return checkedUrl.Error;
        }

        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return DomainError.NotFound("The account");
        }

        var newUrl = checkedUrl.Value;
        if (account.WebhookUrl == newUrl && account.WebhookSecret is not null)
        {
            return new WebhookConfigured(newUrl, null);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        // The secret is created only where none exists, in one conditional UPDATE: of two owners saving at once,
        // one creates it and sees it, the other does not, so nobody is shown a secret that was not kept.
        string? newSecret = null;
        if (account.WebhookSecret is null)
        {
            var candidate = WebhookSignature.NewSecret();
            var created = await db.Accounts
                .Where(a => a.Id == account.Id && a.WebhookSecret == null)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.WebhookSecret, candidate), cancellationToken);
            newSecret = created == 1 ? candidate : null;
        }

        await db.Accounts.Where(a => a.Id == account.Id).ExecuteUpdateAsync(u => u.SetProperty(a => a.WebhookUrl, newUrl), cancellationToken);
        AuditTrail.Record(db, account.Id, actor, "webhook.configured", $"account:{account.Id}",
            new { Url = account.WebhookUrl, HasSecret = account.WebhookSecret is not null },
            new { Url = newUrl, HasSecret = true, SecretCreated = newSecret is not null },
            clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        // Deliveries still waiting need no change: the dispatcher posts to the URL in force when it sends.
        return new WebhookConfigured(newUrl, newSecret);
    }

    /// <summary>Replaces the signing secret; the new one is returned to be shown once and takes effect for every later post.</summary>
    public async Task<Result<string>> RotateSecretAsync(string actor, CancellationToken cancellationToken = default)
    {
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        if (account?.WebhookUrl is null)
        {
            return DomainError.NotFound("The webhook");
        }

        // Replaces exactly the secret read above: when two owners rotate at once, only one new secret is kept and shown.
        var current = account.WebhookSecret;
        var secret = WebhookSignature.NewSecret();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var replaced = await db.Accounts
            .Where(a => a.Id == account.Id && a.WebhookUrl != null && a.WebhookSecret == current)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.WebhookSecret, secret), cancellationToken);
        if (replaced != 1)
        {
            return new DomainError(ErrorCodes.ValidationFailed, "The webhook was changed by someone else just now. Reload the page and try again.");
        }

        AuditTrail.Record(db, account.Id, actor, "webhook.secret_rotated", $"account:{account.Id}",
            new { SecretRotated = false }, new { SecretRotated = true }, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return secret;
    }

    /// <summary>
    /// Stops posting: the URL and the secret are removed, and deliveries not yet made are marked dead (a later
    /// URL gets a new secret). Notices keep appearing in the app.
    /// </summary>
    public async Task<Result<int>> DisableAsync(string actor, CancellationToken cancellationToken = default)
    {
        var account = await db.Accounts.SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return DomainError.NotFound("The account");
        }

        if (account.WebhookUrl is null && account.WebhookSecret is null)
        {
            return 0;
        }

        var before = new { Url = account.WebhookUrl, HasSecret = account.WebhookSecret is not null };
        account.WebhookUrl = null;
        account.WebhookSecret = null;
        var now = clock.GetUtcNow();
        AuditTrail.Record(db, account.Id, actor, "webhook.disabled", $"account:{account.Id}", before, new { Url = (string?)null, HasSecret = false }, now);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        var cancelled = await db.WebhookDeliveries
            .Where(d => d.Status == DeliveryStatus.Pending)
            .ExecuteUpdateAsync(
                s => s.SetProperty(d => d.Status, DeliveryStatus.Dead).SetProperty(d => d.LastError, WebhookDispatcher.DisabledError),
                cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return cancelled;
    }

    /// <summary>Publishes a <c>webhook.test</c> notice (each test is a new notice), which is queued for the webhook like any other.</summary>
    public async Task<Result<Guid>> SendTestAsync(string actor, CancellationToken cancellationToken = default)
    {
        var account = await db.Accounts.AsNoTracking().SingleOrDefaultAsync(cancellationToken);
        if (account?.WebhookUrl is null)
        {
            return DomainError.NotFound("The webhook");
        }

        var now = clock.GetUtcNow();
        var dedupKey = $"webhook.test:{Guid.NewGuid():N}";
        AuditTrail.Record(db, account.Id, actor, "webhook.test_sent", $"account:{account.Id}", null, new { Url = account.WebhookUrl }, now);
        await publisher.PublishAsync(
            account.Id,
            new NoticeDraft(dedupKey, "webhook.test", "Webhook test", "A test notice, sent from Settings → Webhook to check that the endpoint receives and verifies posts.", new { sentBy = actor }),
            cancellationToken);
        return await db.Notifications.AsNoTracking().Where(n => n.DedupKey == dedupKey).Select(n => n.Id).SingleAsync(cancellationToken);
    }

    /// <summary>The newest deliveries first, with the kind of notice each carries.</summary>
    public Task<List<DeliveryView>> DeliveriesAsync(int limit = DefaultLogLimit, CancellationToken cancellationToken = default) =>
        (from d in db.WebhookDeliveries.AsNoTracking()
         join n in db.Notifications.AsNoTracking() on new { d.AccountId, Id = d.NotificationId } equals new { n.AccountId, n.Id }
         orderby d.CreatedAt descending, d.Id descending
         select new DeliveryView(d, n.Kind))
            .Take(Math.Clamp(limit, 1, 1_000))
            .ToListAsync(cancellationToken);

    /// <summary>An absolute http(s) URL of at most 2,000 characters, without user info (which would not be sent).</summary>
    public static Result<string> CheckUrl(string? url)
    {
        var trimmed = url?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            return DomainError.Validation("url", "Enter the URL that should receive notifications.");
        }

        if (trimmed.Length > MaxUrlLength)
        {
            return DomainError.Validation("url", $"The URL may be at most {MaxUrlLength:N0} characters.");
        }

        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || string.IsNullOrEmpty(uri.Host))
        {
            return DomainError.Validation("url", "Enter an absolute http:// or https:// URL, e.g. https://example.com/minutepool.");
        }

        if (uri.UserInfo.Length > 0)
        {
            return DomainError.Validation("url", "Leave user name and password out of the URL; verify the signature instead.");
        }

        return trimmed;
    }
}
