using MinutePool.Core.Calls;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Data.Calls;

/// <summary>
/// The calls this process started (their rows as inserted) and has not yet ended, so that a call's end needs no read
/// before its write: the API key filter recalls the call from here, and the key and the account's state from what this
/// process also remembers, and the end's one statement checks that all of it still holds: the call is running with that
/// start, the key is the account's and not revoked, the account is at that version (<see cref="Tenancy.WriteTimeCheck"/>).
/// When anything changed, nothing is written and the request is handled again from what the database holds.
/// <para>
/// One round trip less per call end (the benchmark's end phase). An end on another instance, after a restart or after
/// the bound cleared the map reads the call as before. PostgreSQL only: there the end's statement can check; SQLite's
/// per-call writes do not, so on SQLite nothing is remembered.
/// </para>
/// </summary>
public static class CallsStartedHere
{
    /// <summary>Running calls remembered at most; a telephony system with more at once has the rest read at their end.</summary>
    public const int Capacity = 100_000;

    private static readonly ProcessCache<(Guid AccountId, string CallId), Call> Calls = new(Capacity);

    /// <summary>The running call with this id, as this process inserted it; null when this process does not know it.</summary>
    public static Call? Find(Guid accountId, string callId) => Calls.Find((accountId, callId));

    /// <summary>
    /// Remembers a call whose insert has just succeeded, as PostgreSQL stored it: the start to the microsecond, so that the
    /// end's check compares equal and its duration is computed from the same instant as an end that reads the row.
    /// A copy, because a remembered call is shared between requests and must not change.
    /// </summary>
    internal static void Remember(Call call)
    {
        var start = call.StartedAt.UtcDateTime;
        Calls.Remember((call.AccountId, call.CallId), new Call
        {
            AccountId = call.AccountId,
            CallId = call.CallId,
            WorkspaceId = call.WorkspaceId,
            StartedAt = new DateTimeOffset(start.AddTicks(-(start.Ticks % TimeSpan.TicksPerMicrosecond)), TimeSpan.Zero),
            LocalDate = call.LocalDate,
            ProjectTag = call.ProjectTag,
            MaxUsageSeconds = call.MaxUsageSeconds,
            Source = call.Source,
            RecordedAt = call.RecordedAt,
        });
    }

    public static void Forget(Guid accountId, string callId) => Calls.Forget((accountId, callId));
}
