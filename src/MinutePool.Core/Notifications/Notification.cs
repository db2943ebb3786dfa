namespace MinutePool.Core.Notifications;

/// <summary>An in-app notice, also sent to the account's webhook.</summary>
public sealed class Notification
{
    public Guid AccountId { get; set; }

    public Guid Id { get; set; } = Guid.CreateVersion7();

    /// <summary>Makes each notice happen once: e.g. <c>threshold:80:workspace:{id}:2026-11-05</c>.</summary>
    public string DedupKey { get; set; } = "";

    /// <summary><c>threshold.crossed</c>, <c>minutes.reset</c>, <c>call.reaped</c>, <c>webhook.test</c>.</summary>
    public string Kind { get; set; } = "";

    public string Title { get; set; } = "";

    public string Body { get; set; } = "";

    /// <summary>Event data as JSON, the <c>data</c> of the webhook payload.</summary>
    public string Data { get; set; } = "{}";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ReadAt { get; set; }
}

public enum DeliveryStatus
{
    Pending,
    Delivered,
    Dead,
}

/// <summary>One notification on its way to the account's webhook, with its retry state.</summary>
public sealed class WebhookDelivery
{
    public const int MaxAttempts = 8;

    public Guid AccountId { get; set; }

    public Guid Id { get; set; } = Guid.CreateVersion7();

    public Guid NotificationId { get; set; }

    public string Url { get; set; } = "";

    public string Payload { get; set; } = "";

    public DeliveryStatus Status { get; set; }

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    /// <summary>Exponential back-off: 30 s, 1 min, 2 min … doubling; after <see cref="MaxAttempts"/> the delivery is dead.</summary>
    public static TimeSpan Backoff(int attemptsSoFar) => TimeSpan.FromSeconds(30 * Math.Pow(2, Math.Max(0, attemptsSoFar - 1)));

    public void RecordFailure(DateTimeOffset now, int? statusCode, string error)
    {
        Attempts++;
        LastStatusCode = statusCode;
        LastError = error.Length > 500 ? error[..500] : error;
        if (Attempts >= MaxAttempts)
        {
            Status = DeliveryStatus.Dead;
        }
        else
        {
            NextAttemptAt = now + Backoff(Attempts);
        }
    }

    public void RecordSuccess(DateTimeOffset now, int statusCode)
    {
        Attempts++;
        LastStatusCode = statusCode;
        LastError = null;
        Status = DeliveryStatus.Delivered;
        DeliveredAt = now;
    }
}
