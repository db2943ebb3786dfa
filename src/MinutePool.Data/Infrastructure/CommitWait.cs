namespace MinutePool.Data.Infrastructure;

/// <summary>
/// What a request gives up while its write waits in a group commit's queue (<see cref="GroupCommit{TItem,TKey,TResult}"/>),
/// set by the host for the scope: the web app lets go of the request's turn at the API gate there. A queued write uses
/// no core and no connection until its batch is written, and while a request held its turn through the wait, a batch
/// could never hold more writes than the gate has turns: when commits slowed down (PostgreSQL's autovacuum of
/// <c>calls</c> made them take 10–40 ms for a third of a second), throughput fell to turns ÷ commit time and the
/// requests behind the gate queued for 100 ms and more. Let go, the next requests reach the queue and the batches
/// grow with the wait instead.
/// </summary>
public sealed class CommitWait
{
    private Action? _release;

    /// <summary>What to give up at the first wait of this scope (replaces an earlier one not yet used).</summary>
    public void OnWait(Action release) => _release = release;

    /// <summary>A write of this scope is about to wait for its batch: gives up what was set, once.</summary>
    public void Waiting() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
