using System.Collections.Concurrent;

namespace MinutePool.Data.Infrastructure;

/// <summary>
/// A process-wide map for values that only save a round trip (each reader checks what it finds before trusting it),
/// bounded: cleared when it would pass <paramref name="capacity"/> entries, so a long-running process with many tenants
/// never grows without end and a missing entry only costs the round trip again.
/// </summary>
public sealed class ProcessCache<TKey, TValue>(int capacity)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries = new();

    // Entries added less entries forgotten since the last clear: ConcurrentDictionary's Count takes every lock of the
    // dictionary, and the running calls' map meets a new key on every call start. Concurrent clears and forgets can leave
    // it off by a few, which only moves the bound by as much.
    private int _count;

    public TValue? Find(TKey key) => _entries.GetValueOrDefault(key);

    public void Remember(TKey key, TValue value)
    {
        if (_entries.TryAdd(key, value))
        {
            if (Interlocked.Increment(ref _count) > capacity)
            {
                _entries.Clear();
                Interlocked.Exchange(ref _count, 0);
                _entries[key] = value;
                Interlocked.Increment(ref _count);
            }

            return;
        }

        if (_entries.TryGetValue(key, out var known) && !EqualityComparer<TValue>.Default.Equals(known, value))
        {
            _entries[key] = value;
        }
    }

    public void Forget(TKey key)
    {
        if (_entries.TryRemove(key, out _))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    /// <summary>Entries held now (reads every lock of the map: for tests and diagnostics, not hot paths).</summary>
    public int Count => _entries.Count;
}
