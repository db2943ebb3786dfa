namespace MinutePool.Core.Jobs;

/// <summary>The last run of a scheduled job, for the Jobs page (global: jobs work across accounts).</summary>
public sealed class JobRun
{
    public string JobName { get; set; } = "";

    public DateTimeOffset? LastStartedAt { get; set; }

    public DateTimeOffset? LastFinishedAt { get; set; }

    public bool? LastSucceeded { get; set; }

    public string? LastError { get; set; }

    /// <summary>What the last run did, e.g. "3 statements, 1 amendment".</summary>
    public string? LastSummary { get; set; }

    public long Runs { get; set; }
}
