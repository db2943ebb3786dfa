using System.Diagnostics;

namespace MinutePool.Benchmarks;

/// <summary>Latency samples of one kind of request (milliseconds) with when each was due, safe to add to from many workers.</summary>
public sealed class Latencies
{
    private readonly List<(long Start, double Ms)> samples = [];
    private readonly Lock gate = new();

    public int Count
    {
        get
        {
            lock (gate)
            {
                return samples.Count;
            }
        }
    }

    /// <summary>Adds the time since <paramref name="startTimestamp"/> (a <see cref="Stopwatch"/> timestamp: sent, or due to be sent).</summary>
    public void AddSince(long startTimestamp)
    {
        var ms = Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;
        lock (gate)
        {
            samples.Add((startTimestamp, ms));
        }
    }

    public LatencySummary Summarise()
    {
        var sorted = Snapshot().Select(s => s.Ms).ToArray();
        Array.Sort(sorted);
        return new LatencySummary(sorted.Length, At(sorted, 0.50), At(sorted, 0.95), At(sorted, 0.99), sorted.Length == 0 ? 0 : sorted[^1]);
    }

    /// <summary>
    /// Whether the requests over <paramref name="boundMs"/> were spread out or came together: a burst is a run of them
    /// due within <see cref="BurstGap"/> of each other that reached at least twice the bound, which is what a stall of
    /// the whole machine (or of the app) looks like from an open-loop generator: every request due during it waits.
    /// Null when nothing was over the bound.
    /// </summary>
    public BurstSummary? Bursts(double boundMs)
    {
        var all = Snapshot();
        var slow = all.Where(s => s.Ms > boundMs).OrderBy(s => s.Start).ToList();
        if (slow.Count == 0)
        {
            return null;
        }

        var gap = (long)(BurstGap.TotalSeconds * Stopwatch.Frequency);
        var runs = new List<List<(long Start, double Ms)>>();
        foreach (var sample in slow)
        {
            if (runs.Count > 0 && sample.Start - runs[^1][^1].Start <= gap)
            {
                runs[^1].Add(sample);
            }
            else
            {
                runs.Add([sample]);
            }
        }

        var bursts = runs.Where(r => r.Max(s => s.Ms) >= 2 * boundMs).ToList();
        var inBursts = bursts.SelectMany(r => r).ToHashSet();
        var outside = all.Where(s => !inBursts.Contains(s)).Select(s => s.Ms).Order().ToArray();
        var intervals = bursts.Zip(bursts.Skip(1), (a, b) => (double)(b[0].Start - a[0].Start) / Stopwatch.Frequency).Order().ToArray();
        return new BurstSummary(
            bursts.Count,
            inBursts.Count,
            intervals.Length == 0 ? null : intervals[intervals.Length / 2],
            bursts.Count == 0 ? 0 : bursts.Max(b => b.Max(s => s.Ms)),
            (double)inBursts.Count / slow.Count,
            At(outside, 0.99));
    }

    /// <summary>Requests over the bound due this close together belong to one burst (at 1,000/s, 20 requests in a row).</summary>
    public static readonly TimeSpan BurstGap = TimeSpan.FromMilliseconds(20);

    private List<(long Start, double Ms)> Snapshot()
    {
        lock (gate)
        {
            return [.. samples];
        }
    }

    private static double At(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
}

public sealed record LatencySummary(int Count, double P50, double P95, double P99, double Max);

/// <summary>
/// Requests over a latency bound that came in bursts: how many bursts and requests in them, the median time from one
/// burst's start to the next, the slowest request in any of them, the share of all requests over the bound that were in
/// a burst, and the p99 of the requests outside the bursts.
/// </summary>
public sealed record BurstSummary(int Count, int Requests, double? MedianIntervalSeconds, double PeakMs, double ShareOfSlow, double P99Outside);
