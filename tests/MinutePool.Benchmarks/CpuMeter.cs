using System.Globalization;

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
    private static long MachineBusyTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal ...
        return fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields.Length > 7 ? fields[7] : 0);
    }
}
