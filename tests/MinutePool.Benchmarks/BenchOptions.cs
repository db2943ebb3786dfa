using System.Globalization;

namespace MinutePool.Benchmarks;

/// <summary>Command-line settings (<c>--name value</c>); eng/bench.sh passes them.</summary>
public sealed class BenchOptions
{
    public required Uri BaseUrl { get; init; }

    public required string OperatorToken { get; init; }

    /// <summary>Npgsql connection string of the app's database (same server as pgbench).</summary>
    public required string Database { get; init; }

    public int AppPid { get; init; }

    public string? PgbenchJson { get; init; }

    public string OutDir { get; init; } = "docs/benchmarks";

    public bool Quick { get; init; }

    /// <summary>Seconds per measured phase.</summary>
    public double Seconds { get; init; } = 10;

    public IReadOnlyList<int> Concurrency { get; init; } = [8, 32];

    public int SpreadAccounts { get; init; } = 10;

    public int SpreadWorkspaces { get; init; } = 50;

    public int HotWorkspaces { get; init; } = 100;

    /// <summary>
    /// Past days of the current cycle with usage already recorded (4 calls a day in every workspace of the load's
    /// accounts) before the load starts: a real account is mid-cycle, and an account's balance sums its whole cycle.
    /// </summary>
    public int HistoryDays { get; init; } = 9;

    public int ImportClients { get; init; } = 4;

    public int BalanceReadsPerSecond { get; init; } = 1_000;

    public int CloseWorkspaces { get; init; } = 100_000;

    public double CloseTimeoutSeconds { get; init; } = 300;

    public long ReportCalls { get; init; } = 10_000_000;

    /// <summary>Stops generating report calls after this long and measures what exists (said in the report).</summary>
    public double ReportGenerateBudgetSeconds { get; init; } = 420;

    public string MachineNote { get; init; } = "";

    public static BenchOptions Parse(string[] args)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }

            var name = args[i][2..];
            if (name == "quick")
            {
                map[name] = "true";
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"--{name} needs a value.");
            }

            map[name] = args[++i];
        }

        string Need(string name) => map.TryGetValue(name, out var v) && v.Length > 0 ? v : throw new ArgumentException($"--{name} is required.");
        string? Opt(string name) => map.TryGetValue(name, out var v) && v.Length > 0 ? v : null;
        int Int(string name, int fallback) => Opt(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        long Long(string name, long fallback) => Opt(name) is { } v ? long.Parse(v, CultureInfo.InvariantCulture) : fallback;
        double Dbl(string name, double fallback) => Opt(name) is { } v ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

        var quick = Opt("quick") == "true";
        return new BenchOptions
        {
            BaseUrl = new Uri(Need("base-url")),
            OperatorToken = Need("operator-token"),
            Database = Need("database"),
            AppPid = Int("app-pid", 0),
            PgbenchJson = Opt("pgbench-json"),
            OutDir = Opt("out") ?? "docs/benchmarks",
            Quick = quick,
            Seconds = Dbl("seconds", quick ? 3 : 10),
            Concurrency = (Opt("concurrency") ?? "8,32").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList(),
            SpreadAccounts = Int("spread-accounts", quick ? 3 : 10),
            SpreadWorkspaces = Int("spread-workspaces", quick ? 10 : 50),
            HotWorkspaces = Int("hot-workspaces", quick ? 20 : 100),
            HistoryDays = Int("history-days", 9),
            ImportClients = Int("import-clients", 4),
            BalanceReadsPerSecond = Int("balance-rate", 1_000),
            CloseWorkspaces = Int("close-workspaces", quick ? 2_000 : 100_000),
            CloseTimeoutSeconds = Dbl("close-timeout", quick ? 60 : 300),
            ReportCalls = Long("report-calls", quick ? 200_000 : 10_000_000),
            ReportGenerateBudgetSeconds = Dbl("report-budget", quick ? 60 : 420),
            MachineNote = Opt("machine-note") ?? "",
        };
    }
}
