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

    /// <summary>How late the load generator sent the measured requests after their scheduled time (open-loop phases).</summary>
    public LatencySummary? SendLateness { get; init; }
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
        var outcomes = new Outcomes();
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
                outcomes.Add(error);
            }
        })).ToList();
        await Task.WhenAll(workers);
        var seconds = watch.Elapsed.TotalSeconds;
        return new PhaseResult(name, concurrency, seconds, outcomes.Ok, outcomes.Failed, outcomes.Ok / seconds, latencies.Summarise()) { FirstError = outcomes.FirstError };
    }

    /// <summary>
    /// Sends at a fixed rate for <paramref name="duration"/>, with at most <paramref name="maxOutstanding"/>
    /// requests in flight. Latency counts from the scheduled send time, so a server that falls behind is
    /// charged for the queueing it causes (no coordinated omission). With <paramref name="boundMs"/>, the result says
    /// whether the requests over it came in bursts.
    /// </summary>
    /// <remarks>
    /// One dedicated thread sends every request at its time, sleeping in between to within the kernel's timer slack
    /// (<see cref="PreciseSleep"/>), and starts it on that thread, so a request goes out when it is due rather than when
    /// a timer and then a thread-pool worker get their turn on busy cores; with <c>Task.Delay</c> and <c>Task.Run</c>
    /// the reads went out a median 1.1 ms and at p99 4.5 ms late on an idle machine (4.9 ms beside call load), and every
    /// millisecond of that counted as the server's. How late each request really went out is in the result.
    /// </remarks>
    public static async Task<PhaseResult> PacedAsync(string name, double rate, int maxOutstanding, TimeSpan duration, Func<long, Task<string>> operation, double? boundMs = null)
    {
        var latencies = new Latencies();
        var lateness = new Latencies();
        var outcomes = new Outcomes();
        using var slots = new SemaphoreSlim(maxOutstanding);
        var inFlight = new List<Task>();
        var origin = Stopwatch.GetTimestamp();
        var interval = Stopwatch.Frequency / rate;

        async Task Send(long n, long scheduled)
        {
            try
            {
                var error = await operation(n);
                latencies.AddSince(scheduled);
                outcomes.Add(error);
            }
            finally
            {
                slots.Release();
            }
        }

        var sending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sender = new Thread(() =>
        {
            try
            {
                for (long i = 0; ; i++)
                {
                    var scheduled = origin + (long)(i * interval);
                    // Stop at the duration by the schedule or by the wall clock, whichever comes first: a server that
                    // cannot keep up gets fewer requests (the achieved rate says so), not a longer phase.
                    if (Stopwatch.GetElapsedTime(origin, scheduled) >= duration || Stopwatch.GetElapsedTime(origin) >= duration)
                    {
                        break;
                    }

                    PreciseSleep.Until(scheduled);
                    slots.Wait();
                    lateness.AddSince(scheduled);
                    inFlight.Add(Send(i, scheduled));
                }

                sending.SetResult();
            }
            catch (Exception e)
            {
                sending.SetException(e);
            }
        })
        { IsBackground = true, Name = "paced sender" };
        sender.Start();
        await sending.Task;
        await Task.WhenAll(inFlight);
        var seconds = Stopwatch.GetElapsedTime(origin).TotalSeconds;
        return new PhaseResult(name, maxOutstanding, seconds, outcomes.Ok, outcomes.Failed, outcomes.Ok / seconds, latencies.Summarise(), rate)
        {
            FirstError = outcomes.FirstError,
            Bursts = boundMs is { } bound ? latencies.Bursts(bound) : null,
            SendLateness = lateness.Summarise(),
        };
    }
}

/// <summary>Counts a phase's answers from many threads: an operation's error text, or "" for success.</summary>
internal sealed class Outcomes
{
    private long ok;
    private long failed;
    private string? firstError;

    public long Ok => Interlocked.Read(ref ok);

    public long Failed => Interlocked.Read(ref failed);

    public string? FirstError => Volatile.Read(ref firstError);

    public void Add(string error)
    {
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
}

/// <summary>
/// Sleeps the calling thread until a <see cref="Stopwatch"/> timestamp. On Linux through <c>clock_nanosleep</c>, which
/// wakes within the timer slack (50 µs by default) without spinning; elsewhere through <see cref="Thread.Sleep(int)"/>,
/// to the millisecond. .NET's own sleeps and timers only count whole milliseconds, and at 1,000 requests a second the
/// gap between two requests is one.
/// </summary>
public static partial class PreciseSleep
{
    public static void Until(long timestamp)
    {
        for (var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
             remaining > TimeSpan.Zero;
             remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp))
        {
            if (OperatingSystem.IsLinux())
            {
                var span = new TimeSpec(remaining.Ticks / TimeSpan.TicksPerSecond, remaining.Ticks % TimeSpan.TicksPerSecond * 100);
                _ = ClockNanosleep(ClockMonotonic, 0, in span, IntPtr.Zero);
            }
            else
            {
                Thread.Sleep(Math.Max(1, (int)remaining.TotalMilliseconds));
            }
        }
    }

    private const int ClockMonotonic = 1;

    private readonly record struct TimeSpec(long Seconds, long Nanoseconds);

    // Interrupted by a signal it returns early; the loop above sleeps the rest.
    [System.Runtime.InteropServices.LibraryImport("libc.so.6", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanosleep(int clock, int flags, in TimeSpec request, IntPtr remain);
}
