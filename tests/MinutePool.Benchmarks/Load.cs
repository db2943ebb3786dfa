using System.Diagnostics;

namespace MinutePool.Benchmarks;

/// <summary>Outcome of one measured phase.</summary>
public sealed record PhaseResult(string Name, int Concurrency, double Seconds, long Ok, long Failed, double PerSecond, LatencySummary Latency, double? TargetRate = null)
{
    public string? FirstError { get; init; }

    /// <summary>How the requests over the phase's latency bound were spread in time (open-loop phases with a bound).</summary>
    public BurstSummary? Bursts { get; init; }

    /// <summary>How busy the machine was during the phase and which kernel threads ran (phases that take it).</summary>
    public MachineActivity? Machine { get; init; }
}

/// <summary>Closed-loop (N workers back to back) and open-loop (fixed rate) drivers.</summary>
public static class Load
{
    /// <summary>
    /// Runs <paramref name="concurrency"/> workers until <paramref name="duration"/> has passed or the
    /// operation reports there is nothing left (returns null). An operation returns an error text or "" for success.
    /// </summary>
    public static async Task<PhaseResult> ClosedAsync(string name, int concurrency, TimeSpan duration, Func<int, Task<string?>> operation)
    {
        var latencies = new Latencies();
        long ok = 0, failed = 0;
        string? firstError = null;
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            while (watch.Elapsed < duration)
            {
                var start = Stopwatch.GetTimestamp();
                var error = await operation(worker);
                if (error is null)
                {
                    return;
                }

                latencies.AddSince(start);
                if (error.Length == 0)
                {
                    Interlocked.Increment(ref ok);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, error, null);
                }
            }
        })).ToList();
        await Task.WhenAll(workers);
        var seconds = watch.Elapsed.TotalSeconds;
        return new PhaseResult(name, concurrency, seconds, ok, failed, ok / seconds, latencies.Summarise()) { FirstError = firstError };
    }

    /// <summary>
    /// Sends at a fixed rate for <paramref name="duration"/>, with at most <paramref name="maxOutstanding"/>
    /// requests in flight. Latency counts from the scheduled send time, so a server that falls behind is
    /// charged for the queueing it causes (no coordinated omission). With <paramref name="boundMs"/>, the result says
    /// whether the requests over it came in bursts.
    /// </summary>
    public static async Task<PhaseResult> PacedAsync(string name, double rate, int maxOutstanding, TimeSpan duration, Func<long, Task<string>> operation, double? boundMs = null)
    {
        var latencies = new Latencies();
        long ok = 0, failed = 0;
        string? firstError = null;
        using var slots = new SemaphoreSlim(maxOutstanding);
        var inFlight = new List<Task>();
        var watch = Stopwatch.StartNew();
        var origin = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / rate;
        for (long i = 0; ; i++)
        {
            var scheduled = origin + (long)(i * interval);
            // Stop at the duration by the schedule or by the wall clock, whichever comes first: a server that
            // cannot keep up gets fewer requests (the achieved rate says so), not a longer phase.
            if (Stopwatch.GetElapsedTime(origin, scheduled) >= duration || watch.Elapsed >= duration)
            {
                break;
            }

            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), scheduled);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            await slots.WaitAsync();
            var n = i;
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    var error = await operation(n);
                    latencies.AddSince(scheduled);
                    if (error.Length == 0)
                    {
                        Interlocked.Increment(ref ok);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                        Interlocked.CompareExchange(ref firstError, error, null);
                    }
                }
                finally
                {
                    slots.Release();
                }
            }));
        }

        await Task.WhenAll(inFlight);
        var seconds = watch.Elapsed.TotalSeconds;
        return new PhaseResult(name, maxOutstanding, seconds, ok, failed, ok / seconds, latencies.Summarise(), rate)
        {
            FirstError = firstError,
            Bursts = boundMs is { } bound ? latencies.Bursts(bound) : null,
        };
    }
}
