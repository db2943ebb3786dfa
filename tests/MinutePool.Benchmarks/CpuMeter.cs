using System.Globalization;
using System.IO.Compression;

namespace MinutePool.Benchmarks;

/// <summary>CPU seconds used so far by the app, PostgreSQL's processes, this load generator and the whole machine.</summary>
public sealed record CpuSnapshot(double App, double Database, double LoadGenerator, double Machine);

/// <summary>
/// CPU milliseconds per request, split by who spent them. The three share the machine's cores, so this says where the
/// ceiling comes from; Machine also counts the kernel's work outside the processes (interrupts) and anything else running.
/// </summary>
public sealed record CpuPerRequest(double AppMs, double DatabaseMs, double LoadGeneratorMs, double MachineMs);

/// <summary>Reads /proc (Linux; USER_HZ is 100 there). PostgreSQL backends that exit during a phase take their CPU with them, so the database's share is a floor.</summary>
public static class CpuMeter
{
    private const double TicksPerSecond = 100.0;

    public static CpuSnapshot? Take(int appPid)
    {
        try
        {
            var database = Directory.EnumerateDirectories("/proc")
                .Where(d => int.TryParse(Path.GetFileName(d), out _))
                .Sum(d => ReadComm(d) == "postgres" ? ProcessTicks(d) : 0);
            return new CpuSnapshot(
                ProcessTicks($"/proc/{appPid}") / TicksPerSecond,
                database / TicksPerSecond,
                Environment.CpuUsage.TotalTime.TotalSeconds,
                MachineBusyTicks() / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    public static CpuPerRequest? PerRequest(CpuSnapshot? before, CpuSnapshot? after, long requests) =>
        before is null || after is null || requests <= 0
            ? null
            : new CpuPerRequest(
                (after.App - before.App) * 1000 / requests,
                (after.Database - before.Database) * 1000 / requests,
                (after.LoadGenerator - before.LoadGenerator) * 1000 / requests,
                (after.Machine - before.Machine) * 1000 / requests);

    private static string? ReadComm(string processDirectory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(processDirectory, "comm")).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // exited while we looked
        }
    }

    /// <summary>
    /// utime + stime of one process (fields 14 and 15 of /proc/pid/stat); 0 when it has exited, also when it exited
    /// while being read (an empty or cut-off stat), so one backend leaving never stops the benchmark.
    /// </summary>
    private static long ProcessTicks(string processDirectory)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(processDirectory, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>All cores' busy ticks: the first line of /proc/stat without idle and iowait.</summary>
    private static long MachineBusyTicks() => MachineTicks().Busy;

    /// <summary>All cores' busy and total ticks (the first line of /proc/stat; idle and iowait are not busy).</summary>
    private static (long Busy, long Total) MachineTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already in user)
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields.Length > 7 ? fields[7] : 0);
        return (busy, busy + fields[3] + fields[4]);
    }

    /// <summary>The machine's busy and total ticks and the CPU ticks of each kernel thread (a child of kthreadd), by name.</summary>
    public static MachineSnapshot? TakeMachine()
    {
        try
        {
            var kernel = new Dictionary<string, long>();
            foreach (var d in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
            {
                if (KernelThread(d) is { } name)
                {
                    kernel[name] = kernel.GetValueOrDefault(name) + ProcessTicks(d);
                }
            }

            var (busy, total) = MachineTicks();
            return new MachineSnapshot(busy, total, kernel);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>How busy the cores were between two snapshots, and the kernel threads that ran for at least 1 % of one core meanwhile.</summary>
    public static MachineActivity? Between(MachineSnapshot? before, MachineSnapshot? after)
    {
        if (before is null || after is null || after.Total <= before.Total)
        {
            return null;
        }

        var seconds = (after.Total - before.Total) / TicksPerSecond / Environment.ProcessorCount;
        var threads = after.KernelTicks
            .Select(k => new KernelThreadCpu(k.Key, (k.Value - before.KernelTicks.GetValueOrDefault(k.Key)) * 1000 / TicksPerSecond))
            .Where(k => k.Ms >= 10 * seconds)
            .OrderByDescending(k => k.Ms)
            .ToList();
        return new MachineActivity(100.0 * (after.Busy - before.Busy) / (after.Total - before.Total), seconds, threads);
    }

    /// <summary>The process's name when it is a kernel thread (its parent is kthreadd, pid 2), else null.</summary>
    private static string? KernelThread(string processDirectory)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(processDirectory, "stat"));
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            return fields[1] == "2" ? stat[(stat.IndexOf('(') + 1)..close] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}

/// <summary>Ticks (USER_HZ) of all cores, busy and in all, and of each kernel thread by name.</summary>
public sealed record MachineSnapshot(long Busy, long Total, IReadOnlyDictionary<string, long> KernelTicks);

/// <summary>A phase seen from the machine: how busy its cores were, over how many seconds, and the kernel threads that took CPU.</summary>
public sealed record MachineActivity(double BusyPercent, double Seconds, IReadOnlyList<KernelThreadCpu> KernelThreads);

public sealed record KernelThreadCpu(string Name, double Ms);

/// <summary>
/// The kernel's data-access monitor (DAMON) when one runs: a kdamond thread that samples page accesses across physical
/// or virtual memory every SampleSeconds and may act on what it finds (page out cold memory). A host can run it on a
/// virtual machine to take back memory the guest does not use; its sampling walks page tables on one of the cores.
/// </summary>
public sealed record DamonMonitor(string Operations, double SampleSeconds, string Actions)
{
    private const string Root = "/sys/kernel/mm/damon/admin/kdamonds";

    /// <summary>"a kdamond thread that samples page accesses over paddr memory every 0.5 s (scheme action: pageout)".</summary>
    public string Description => string.Create(CultureInfo.InvariantCulture, $"a kdamond thread that samples page accesses over {Operations} memory every {SampleSeconds:0.##} s (scheme action: {Actions})");

    /// <summary>The first running kdamond's settings, or null when DAMON is not built in, not running or not readable.</summary>
    public static DamonMonitor? Running()
    {
        try
        {
            foreach (var kdamond in Directory.Exists(Root) ? Directory.EnumerateDirectories(Root) : [])
            {
                var context = Path.Combine(kdamond, "contexts", "0");
                if (!File.Exists(Path.Combine(kdamond, "state")) || File.ReadAllText(Path.Combine(kdamond, "state")).Trim() != "on" || !Directory.Exists(context))
                {
                    continue;
                }

                var sampleUs = long.Parse(File.ReadAllText(Path.Combine(context, "monitoring_attrs", "intervals", "sample_us")).Trim(), CultureInfo.InvariantCulture);
                var schemes = Path.Combine(context, "schemes");
                var actions = Directory.Exists(schemes)
                    ? Directory.EnumerateDirectories(schemes).Select(d => Path.Combine(d, "action")).Where(File.Exists).Select(f => File.ReadAllText(f).Trim())
                    : [];
                return new DamonMonitor(File.ReadAllText(Path.Combine(context, "operations")).Trim(), sampleUs / 1e6, string.Join(", ", actions.DefaultIfEmpty("none")));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return null;
    }
}

/// <summary>
/// The kernel's preemption model: "none", "voluntary", "full" or "lazy". Under "none" a kernel thread such as kdamond
/// keeps its core until it yields, whatever user task was woken there; under "full" the woken task can take the core.
/// </summary>
public static class KernelPreemption
{
    /// <summary>The boot command line's <c>preempt=</c> when given, else the build's model from /proc/config.gz; null when neither says.</summary>
    public static string? Model()
    {
        try
        {
            var bootArgument = File.Exists("/proc/cmdline")
                ? File.ReadAllText("/proc/cmdline").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault(a => a.StartsWith("preempt=", StringComparison.Ordinal))
                : null;
            if (bootArgument is not null)
            {
                return bootArgument["preempt=".Length..];
            }

            if (!File.Exists("/proc/config.gz"))
            {
                return null;
            }

            using var config = new StreamReader(new GZipStream(File.OpenRead("/proc/config.gz"), CompressionMode.Decompress));
            for (var line = config.ReadLine(); line is not null; line = config.ReadLine())
            {
                var model = line switch
                {
                    "CONFIG_PREEMPT_NONE=y" => "none",
                    "CONFIG_PREEMPT_VOLUNTARY=y" => "voluntary",
                    "CONFIG_PREEMPT=y" => "full",
                    "CONFIG_PREEMPT_LAZY=y" => "lazy",
                    _ => null,
                };
                if (model is not null)
                {
                    return model;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
        }

        return null;
    }
}
