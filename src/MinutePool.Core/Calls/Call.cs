namespace MinutePool.Core.Calls;

/// <summary>How a call reached MinutePool.</summary>
public enum CallSource
{
    /// <summary>Started and ended through the live API.</summary>
    Live,

    /// <summary>Reported finished, in a batch.</summary>
    Imported,
}

/// <summary>
/// One call, identified by the caller-chosen <see cref="CallId"/> (unique per account). It is charged
/// to the account cycle and workspace period that contain its start.
/// </summary>
public sealed class Call
{
    public const int MaxCallIdLength = 128;
    public const int MaxProjectTagLength = 100;

    public Guid AccountId { get; set; }

    public string CallId { get; set; } = "";

    public Guid WorkspaceId { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    /// <summary>The account-local date of the start: the usage bucket the call is charged to.</summary>
    public DateOnly LocalDate { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public DateTimeOffset? LastHeartbeatAt { get; set; }

    public long? DurationSeconds { get; set; }

    public long? BillableSeconds { get; set; }

    /// <summary>Optional client/matter/project for project billing.</summary>
    public string? ProjectTag { get; set; }

    /// <summary>The <c>maxUsageSeconds</c> answered at start, kept so a repeated start answers the same.</summary>
    public long MaxUsageSeconds { get; set; }

    public CallSource Source { get; set; }

    public DateTimeOffset RecordedAt { get; set; }

    public bool IsActive => EndedAt is null;
}
