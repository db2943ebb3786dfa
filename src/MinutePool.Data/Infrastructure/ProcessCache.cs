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

    public TValue? Find(TKey key) => _entries.GetValueOrDefault(key);

    public void Remember(TKey key, TValue value)
    {
        if (_entries.TryGetValue(key, out var known))
        {
            if (!EqualityComparer<TValue>.Default.Equals(known, value))
            {
                _entries[key] = value;
            }

            return;
        }

        // Count takes every lock of the dictionary, so it is read only when a key is new to this process.
        if (_entries.Count >= capacity)
        {
            _entries.Clear();
        }

        _entries[key] = value;
    }

    public void Forget(TKey key) => _entries.TryRemove(key, out _);
}
