using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MinutePool.Benchmarks;

public sealed record PgbenchRun(string Mode, int Clients, double Seconds, double Tps, double LatencyAvgMs);

/// <summary>One target: the measured figure, the bound, whether it is met and by how much.</summary>
public sealed record TargetCheck(string Name, double Measured, string Comparison, double Target, string Unit, string Basis)
{
    public bool Met => Comparison == ">=" ? Measured >= Target : Measured <= Target;

    /// <summary>Measured over target (for "≥") or target over measured (for "≤"): above 1 is met with room.</summary>
    public double Margin => Comparison == ">=" ? (Target == 0 ? 0 : Measured / Target) : (Measured == 0 ? double.PositiveInfinity : Target / Measured);
}

public sealed record ScenarioProfile(string Scenario, StatementProfile Profile)
{
    /// <summary>CPU per request of the app, PostgreSQL, the load generator and the machine (user + system), from /proc.</summary>
    public CpuPerRequest? Cpu { get; init; }
}

public sealed class BenchReport
{
    /// <summary>"CPU per request: app 0.8 ms, PostgreSQL 0.4 ms, load generator 0.2 ms (all cores busy 1.5 ms)".</summary>
    public static string CpuText(CpuPerRequest cpu, bool bold = false)
    {
        var b = bold ? "**" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU per request: {b}app {cpu.AppMs:0.00} ms{b}, PostgreSQL {cpu.DatabaseMs:0.00} ms, load generator {cpu.LoadGeneratorMs:0.00} ms (the machine's cores were busy {cpu.MachineMs:0.00} ms per request in all)");
    }

    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;

    public DateTimeOffset FinishedAt { get; set; }

    public string Mode { get; init; } = "full";

    public string Machine { get; init; } = "";

    public List<PgbenchRun> Pgbench { get; init; } = [];

    public List<PhaseResult> Phases { get; } = [];

    public List<TargetCheck> Targets { get; } = [];

    public List<ScenarioProfile> Profiles { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>What the load's accounts held before it started.</summary>
    public string Setup { get; set; } = "";

    public List<string> ExactnessProblems { get; } = [];

    public long ExactnessWorkspacesChecked { get; set; }

    public long PeakWorkingSetBytes { get; set; }

    public long PeakRssSampledBytes { get; set; }

    public List<string> Analysis { get; } = [];

    /// <summary>The kernel's DAMON monitor when one ran on the machine during the run (it takes CPU every sampling period).</summary>
    public DamonMonitor? Damon { get; set; }

    /// <summary>The kernel's preemption model (<see cref="KernelPreemption"/>), when the machine says.</summary>
    public string? Preemption { get; set; }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public string ToMarkdown()
    {
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine("# MinutePool benchmark");
        md.AppendLine();
        var damon = Damon is { } d
            ? $" The kernel ran DAMON throughout: {d.Description}."
            : "";
        var preemption = Preemption is { } model ? string.Create(ci, $" Kernel preemption model: {model}.") : "";
        md.AppendLine(ci, $"Run {StartedAt:yyyy-MM-dd HH:mm} UTC – {FinishedAt:HH:mm} UTC, mode **{Mode}**, produced by `bash eng/bench.sh`. {Machine}{damon}{preemption}");
        md.AppendLine();
        md.AppendLine(ci, $"PostgreSQL 15, private cluster on loopback, `fsync=on`, `synchronous_commit=on`; MinutePool Release build on loopback, same server. " +
                      $"The load generator runs on the same {Environment.ProcessorCount} cores as the app and the database, so every figure is a floor for a real deployment, and the ratios to pgbench (same machine, same minute) are the meaningful part.");
        md.AppendLine();
        if (Setup.Length > 0)
        {
            md.AppendLine(Setup);
            md.AppendLine();
        }
        md.AppendLine(ci, $"**Exactness:** {(ExactnessProblems.Count == 0 ? $"every workspace's used seconds, every distributing account's unallocated pool's and every account's equals the sum of its distinct calls ({ExactnessWorkspacesChecked:N0} workspaces checked)." : $"FAILED — {ExactnessProblems.Count} balance(s) off; see below.")}");
        md.AppendLine();
        md.AppendLine("## Targets");
        md.AppendLine();
        md.AppendLine("| target | measured | bound | met | margin | basis |");
        md.AppendLine("| --- | ---: | ---: | :---: | ---: | --- |");
        foreach (var t in Targets)
        {
            md.AppendLine(ci, $"| {t.Name} | {Fmt(t.Measured)} {t.Unit} | {t.Comparison} {Fmt(t.Target)} {t.Unit} | {(t.Met ? "met" : "**missed**")} | {(double.IsInfinity(t.Margin) ? "∞" : t.Margin.ToString("0.00", ci))}× | {t.Basis} |");
        }

        md.AppendLine();
        md.AppendLine("Margin: measured ÷ bound for a floor, bound ÷ measured for a ceiling; below 1.00× is missed by that factor.");
        md.AppendLine();
        md.AppendLine("## pgbench baseline (same server, same run)");
        md.AppendLine();
        md.AppendLine("| mode | clients | seconds | TPS | avg latency |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var p in Pgbench)
        {
            md.AppendLine(ci, $"| {p.Mode} | {p.Clients} | {p.Seconds:0} | {p.Tps:N0} | {p.LatencyAvgMs:0.00} ms |");
        }

        md.AppendLine();
        md.AppendLine("## MinutePool phases");
        md.AppendLine();
        md.AppendLine("| phase | clients | seconds | ok | failed | per second | p50 | p95 | p99 | max |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in Phases)
        {
            var rate = p.TargetRate is { } r ? $" (paced at {r:N0}/s)" : "";
            md.AppendLine(ci, $"| {p.Name}{rate} | {p.Concurrency} | {p.Seconds:0.0} | {p.Ok:N0} | {p.Failed:N0} | {p.PerSecond:N0} | {p.Latency.P50:0.0} ms | {p.Latency.P95:0.0} ms | {p.Latency.P99:0.0} ms | {p.Latency.Max:0} ms |");
        }

        var errors = Phases.Where(p => p.FirstError is not null).ToList();
        if (errors.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("First error of each phase that had one:");
            md.AppendLine();
            foreach (var p in errors)
            {
                md.AppendLine(ci, $"- {p.Name} (c={p.Concurrency}): `{p.FirstError!.Replace('`', '\'').ReplaceLineEndings(" ")}`");
            }
        }

        md.AppendLine();
        md.AppendLine(ci, $"App peak working set (VmHWM of the app process, whole run including start-up): **{PeakWorkingSetBytes / 1048576.0:N0} MB**; largest VmRSS sampled during the phases: {PeakRssSampledBytes / 1048576.0:N0} MB.");
        md.AppendLine();
        if (Profiles.Count > 0)
        {
            md.AppendLine("## Database round trips (pg_stat_statements, app database only)");
            md.AppendLine();
            foreach (var s in Profiles)
            {
                md.AppendLine(ci, $"**{s.Scenario}**: {s.Profile.Statements:N0} statements for {s.Profile.Requests:N0} requests = **{s.Profile.PerRequest:0.0} per request**{(s.Cpu is { } cpu ? "; " + CpuText(cpu, bold: true) : "")}. Heaviest by total time:");
                md.AppendLine();
                md.AppendLine("| calls | total ms | mean ms | plans | planning ms | statement |");
                md.AppendLine("| ---: | ---: | ---: | ---: | ---: | --- |");
                foreach (var l in s.Profile.Top)
                {
                    md.AppendLine(ci, $"| {l.Calls:N0} | {l.TotalMs:N0} | {l.MeanMs:0.000} | {l.Plans:N0} | {l.PlanMs:N0} | `{l.Query.Replace('|', '¦').Replace('`', '\'')}` |");
                }

                md.AppendLine();
            }
        }

        if (Analysis.Count > 0)
        {
            md.AppendLine("## What the profile shows (targets missed)");
            md.AppendLine();
            foreach (var a in Analysis)
            {
                md.AppendLine(ci, $"- {a}");
            }

            md.AppendLine();
        }

        if (Notes.Count > 0)
        {
            md.AppendLine("## Notes on this run");
            md.AppendLine();
            foreach (var n in Notes)
            {
                md.AppendLine(ci, $"- {n}");
            }

            md.AppendLine();
        }

        if (ExactnessProblems.Count > 0)
        {
            md.AppendLine("## Exactness failures");
            md.AppendLine();
            foreach (var p in ExactnessProblems.Take(50))
            {
                md.AppendLine(ci, $"- {p}");
            }
        }

        return md.ToString();
    }

    private static string Fmt(double v) => Math.Abs(v) >= 100 ? v.ToString("N0", CultureInfo.InvariantCulture) : v.ToString("0.##", CultureInfo.InvariantCulture);
}
