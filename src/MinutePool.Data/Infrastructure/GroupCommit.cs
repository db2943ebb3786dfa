using System.Threading.Channels;

namespace MinutePool.Data.Infrastructure;

/// <summary>
/// Group commit: the writes that concurrent requests hand in while one batch is at the database go together in the
/// next batch, as one statement and one commit. The benchmark's CPU split showed PostgreSQL spending as much per call
/// request as the app, most of it on per-statement round trips and commits rather than on executing statements.
/// <list type="bullet">
/// <item>A write's task completes only after its batch committed, so an acknowledged write is durable.</item>
/// <item>One batch is at the database at a time: batches never wait for each other's row locks, and a lone write
/// (light load) is a batch of one that costs what the plain statement did.</item>
/// <item>Two writes with the same key never share a batch; the later one waits for the next batch and sees the first.</item>
/// <item>When a batch fails (a deadlock with another writer, one write the database refuses), each of its writes runs
/// again alone, so one bad write cannot fail the others.</item>
/// </list>
/// </summary>
public sealed class GroupCommit<TItem, TKey, TResult> : IAsyncDisposable
    where TKey : notnull
{
    /// <summary>Writes a batch in one statement (one commit); answers one result per item, in the items' order.</summary>
    public delegate Task<IReadOnlyList<TResult>> Writer(IReadOnlyList<TItem> batch);

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<TItem, TKey> _keyOf;
    private readonly Writer _write;
    private readonly int _maxBatch;
    private readonly Task _loop;
    private long _batches;
    private long _items;
    private int _queued;

    public GroupCommit(Func<TItem, TKey> keyOf, Writer write, int maxBatch = 500)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        (_keyOf, _write, _maxBatch) = (keyOf, write, maxBatch);
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Batches written so far (a failed batch's retries alone not counted).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    /// <summary>Writes handed to the database so far.</summary>
    public long Items => Interlocked.Read(ref _items);

    /// <summary>Writes waiting for a batch.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Queues the write; completes with its result once its batch has committed.</summary>
    public Task<TResult> WriteAsync(TItem item)
    {
        var pending = new Pending(item, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        Interlocked.Increment(ref _queued);
        if (!_queue.Writer.TryWrite(pending))
        {
            Interlocked.Decrement(ref _queued);
            throw new ObjectDisposedException(nameof(GroupCommit<TItem, TKey, TResult>));
        }

        return pending.Done.Task;
    }

    /// <summary>Stops taking writes and finishes the queued ones.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var held = new Queue<Pending>(); // writes whose key was already in a batch, oldest first
        var batch = new List<Pending>(_maxBatch);
        var keys = new HashSet<TKey>();
        while (held.Count > 0 || await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            keys.Clear();
            for (var waiting = held.Count; waiting > 0 && batch.Count < _maxBatch; waiting--)
            {
                Take(held.Dequeue());
            }

            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var next))
            {
                Take(next);
            }

            await WriteBatchAsync(batch);
        }

        void Take(Pending pending)
        {
            if (keys.Add(_keyOf(pending.Item)))
            {
                Interlocked.Decrement(ref _queued);
                batch.Add(pending);
            }
            else
            {
                held.Enqueue(pending);
            }
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _items, batch.Count);
        try
        {
            var results = await _write(batch.ConvertAll(p => p.Item));
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var pending in batch)
            {
                await WriteAloneAsync(pending);
            }
        }
        catch (Exception e)
        {
            batch[0].Done.TrySetException(e);
        }
    }

    private async Task WriteAloneAsync(Pending pending)
    {
        try
        {
            pending.Done.TrySetResult((await _write([pending.Item]))[0]);
        }
        catch (Exception e)
        {
            pending.Done.TrySetException(e);
        }
    }

    private sealed record Pending(TItem Item, TaskCompletionSource<TResult> Done);
}
