using Microsoft.EntityFrameworkCore;
using MinutePool.Data.Accounts;
using MinutePool.Data.Notifications;

namespace MinutePool.Data.Calls;

/// <summary>
/// Ends the current tenant's calls that have had no end and no heartbeat for longer than the plan's
/// maximum call length: each is ended at its last heartbeat (or its start) through the ledger, so it is
/// charged exactly like an ended call, once.
/// </summary>
public sealed class StaleCallReaper(MinutePoolDbContext db, CallLedger ledger, NotificationPublisher publisher, TimeProvider clock)
{
    public async Task<int> ReapAsync(CancellationToken cancellationToken = default)
    {
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return 0;
        }

        var now = clock.GetUtcNow();
        var cutoff = now.AddSeconds(-state.Plans.PlanFor(state.CycleAt(now)).MaxCallLengthSeconds);
        var stale = await db.Calls.AsNoTracking().Running()
            .Where(c => (c.LastHeartbeatAt ?? c.StartedAt) < cutoff)
            .Select(c => new { c.CallId, LastSign = c.LastHeartbeatAt ?? c.StartedAt })
            .ToListAsync(cancellationToken);
        var reaped = 0;
        foreach (var call in stale)
        {
            var ended = await ledger.EndAsync(call.CallId, call.LastSign, cancellationToken);
            if (!ended.IsSuccess)
            {
                continue;
            }

            reaped++;
            await publisher.PublishAsync(state.Account.Id, new NoticeDraft(
                $"reaped:{call.CallId}",
                "call.reaped",
                $"Call {call.CallId} was closed for lack of news",
                $"No end and no heartbeat arrived; it was ended at its last sign of life and charged {ended.Value.BillableSeconds / 60:N0} min.",
                new { callId = call.CallId, workspaceId = ended.Value.WorkspaceId, endedAt = ended.Value.EndedAt, billableSeconds = ended.Value.BillableSeconds }), cancellationToken);
        }

        return reaped;
    }
}
