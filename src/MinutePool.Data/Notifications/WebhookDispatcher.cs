using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using MinutePool.Core.Notifications;

namespace MinutePool.Data.Notifications;

/// <summary>
/// Posts due webhook deliveries of every account (the job's side of notifications). Each delivery is claimed with
/// one conditional UPDATE that pushes its next attempt out by <see cref="Lease"/>; only the instance whose UPDATE
/// changed the row sends it, so app instances running side by side never post the same delivery at the same time.
/// A crashed sender's claim simply runs out and the delivery is tried again.
/// </summary>
public sealed class WebhookDispatcher(MinutePoolDbContext db, IHttpClientFactory httpClients, TimeProvider clock, ILogger<WebhookDispatcher> logger)
{
    /// <summary>The named <see cref="HttpClient"/> used for posts (registered by AddMinutePoolData).</summary>
    public const string HttpClientName = "webhooks";

    public const int BatchSize = 100;

    public const string DeliveryHeader = "MinutePool-Delivery";

    public const string EventHeader = "MinutePool-Event";

    public const string DisabledError = "The webhook was disabled before this was delivered.";

    /// <summary>How long a receiver has to answer.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a claim keeps other instances off a delivery; well above <see cref="RequestTimeout"/>.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    /// <summary>Attempts up to <see cref="BatchSize"/> due deliveries, oldest first; returns how many were attempted.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        using var acrossAccounts = db.Tenant.AcrossAccounts();
        var now = clock.GetUtcNow();
        var due = await db.WebhookDeliveries.IgnoreQueryFilters().AsNoTracking()
            .Where(d => d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= now)
            .OrderBy(d => d.CreatedAt).ThenBy(d => d.Id)
            .Select(d => new { d.AccountId, d.Id })
            .Take(BatchSize)
            .ToListAsync(cancellationToken);

        var attempted = 0;
        foreach (var item in due)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await AttemptAsync(item.AccountId, item.Id, cancellationToken))
            {
                attempted++;
            }
        }

        return attempted;
    }

    /// <summary>Claims one delivery and, if this instance got it, posts it and records the outcome.</summary>
    private async Task<bool> AttemptAsync(Guid accountId, Guid deliveryId, CancellationToken cancellationToken)
    {
        var claimedAt = clock.GetUtcNow();
        var leaseUntil = claimedAt + Lease;
        var claimed = await db.WebhookDeliveries.IgnoreQueryFilters()
            .Where(d => d.AccountId == accountId && d.Id == deliveryId && d.Status == DeliveryStatus.Pending && d.NextAttemptAt <= claimedAt)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.NextAttemptAt, leaseUntil), cancellationToken);
        if (claimed != 1)
        {
            return false;
        }

        db.ChangeTracker.Clear();
        var delivery = await db.WebhookDeliveries.IgnoreQueryFilters().SingleAsync(d => d.AccountId == accountId && d.Id == deliveryId, cancellationToken);
        var kind = await db.Notifications.IgnoreQueryFilters()
            .Where(n => n.AccountId == accountId && n.Id == delivery.NotificationId)
            .Select(n => n.Kind)
            .SingleAsync(cancellationToken);
        var webhook = await db.Accounts.IgnoreQueryFilters()
            .Where(a => a.Id == accountId)
            .Select(a => new { a.WebhookUrl, a.WebhookSecret })
            .SingleAsync(cancellationToken);

        if (string.IsNullOrEmpty(webhook.WebhookUrl) || string.IsNullOrEmpty(webhook.WebhookSecret))
        {
            // Disabled after the notice was queued: nothing to post to, and nothing to sign with.
            delivery.Status = DeliveryStatus.Dead;
            delivery.LastError = DisabledError;
            await db.SaveChangesAsync(cancellationToken);
            return false;
        }

        // Posted to the URL in force now, so changing the URL also redirects deliveries still being retried.
        delivery.Url = webhook.WebhookUrl;
        var (statusCode, error) = await PostAsync(delivery, kind, webhook.WebhookSecret, cancellationToken);
        var finishedAt = clock.GetUtcNow();
        if (error is null)
        {
            delivery.RecordSuccess(finishedAt, statusCode!.Value);
        }
        else
        {
            delivery.RecordFailure(finishedAt, statusCode, error);
            if (delivery.Status == DeliveryStatus.Dead)
            {
                logger.LogWarning("Webhook delivery {DeliveryId} of account {AccountId} gave up after {Attempts} attempts: {Error}", delivery.Id, accountId, delivery.Attempts, error);
            }
            else
            {
                logger.LogInformation("Webhook delivery {DeliveryId} of account {AccountId} failed (attempt {Attempts}), next at {NextAttemptAt:O}: {Error}", delivery.Id, accountId, delivery.Attempts, delivery.NextAttemptAt, error);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>Posts the payload; answers the status code (if any) and an error, which is null for a 2xx answer.</summary>
    private async Task<(int? StatusCode, string? Error)> PostAsync(WebhookDelivery delivery, string kind, string secret, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation(WebhookSignature.HeaderName, WebhookSignature.Sign(secret, clock.GetUtcNow(), body));
        request.Headers.TryAddWithoutValidation(DeliveryHeader, delivery.Id.ToString());
        request.Headers.TryAddWithoutValidation(EventHeader, kind);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            var client = httpClients.CreateClient(HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var code = (int)response.StatusCode;
            return code is >= 200 and <= 299
                ? (code, null)
                : (code, $"The receiver answered {code} {response.ReasonPhrase}".TrimEnd() + ".");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"No answer within {RequestTimeout.TotalSeconds:0} s.");
        }
        catch (HttpRequestException e)
        {
            return (null, e.HttpRequestError == HttpRequestError.Unknown ? e.Message : $"{e.HttpRequestError}: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Anything else (a URL the handler refuses, a protocol fault) is a failed attempt too, never a stuck delivery.
            return (null, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
