using System.Text.Json;
using MinutePool.Core.Auditing;

namespace MinutePool.Data.Auditing;

/// <summary>Adds audit entries to the unit of work, so they commit with the change they describe.</summary>
public static class AuditTrail
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Record(MinutePoolDbContext db, Guid accountId, string actor, string action, string subject, object? before, object? after, DateTimeOffset at)
    {
        db.AuditEntries.Add(new AuditEntry
        {
            AccountId = accountId,
            At = at,
            Actor = actor,
            Action = action,
            Subject = subject,
            Before = before is null ? null : JsonSerializer.Serialize(before, Json),
            After = after is null ? null : JsonSerializer.Serialize(after, Json),
        });
    }
}
