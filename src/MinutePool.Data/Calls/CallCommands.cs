namespace MinutePool.Data.Calls;

public sealed record StartCallCommand(string? CallId, Guid? WorkspaceId, string? UserId, string? Passcode, DateTimeOffset? StartedAt, string? ProjectTag);

public sealed record StartedCall(string CallId, Guid WorkspaceId, DateTimeOffset StartedAt, long MaxUsageSeconds);

public sealed record EndedCall(string CallId, Guid WorkspaceId, DateTimeOffset StartedAt, DateTimeOffset EndedAt, long DurationSeconds, long BillableSeconds);

public sealed record ImportRecord(string? CallId, Guid? WorkspaceId, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? ProjectTag);

public sealed record ImportRejection(int Index, string Code, string Message);

public sealed record ImportResult(int Accepted, int Duplicates, IReadOnlyList<ImportRejection> Rejected);
