namespace MinutePool.Core.Auditing;

/// <summary>
/// One change to plan, distribution, allocation, reset day, credentials, members or webhooks: who did
/// it, when, and the state before and after (JSON; secrets are never written here).
/// </summary>
public sealed class AuditEntry
{
    public Guid AccountId { get; set; }

    public Guid Id { get; set; } = Guid.CreateVersion7();

    public DateTimeOffset At { get; set; }

    /// <summary>Who: <c>user:alice@example.com</c>, <c>api-key:mp_ab12</c>, <c>operator</c> or <c>system</c>.</summary>
    public string Actor { get; set; } = "";

    /// <summary>What, as a stable verb: <c>workspace.allocation_changed</c>, <c>plan.changed</c>…</summary>
    public string Action { get; set; } = "";

    /// <summary>The thing changed, e.g. <c>workspace:0190…</c>.</summary>
    public string Subject { get; set; } = "";

    public string? Before { get; set; }

    public string? After { get; set; }
}
