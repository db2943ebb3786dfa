using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MinutePool.Benchmarks;

// Drives MinutePool's HTTP API (started by eng/bench.sh on loopback) through the scenarios of issue 7,
// checks that every balance is exact, and writes docs/benchmarks/latest.{md,json}. Exit code 2 when a
// balance is off, 1 when the run itself failed.
var ci = CultureInfo.InvariantCulture;
// The report reads the same on every machine: texts that format numbers without naming a culture (target bases, log
// lines) would otherwise follow the machine's locale and mix "2.408" with "2,408" in one report.
CultureInfo.DefaultThreadCurrentCulture = ci;
CultureInfo.CurrentCulture = ci;
BenchOptions o;
try
{
    o = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}

var clock = Stopwatch.StartNew();
void Log(string message) => Console.Error.WriteLine(string.Create(ci, $"[bench {clock.Elapsed.TotalSeconds,6:F1}s] {message}"));

var report = new BenchReport { Mode = o.Quick ? "quick" : "full", Machine = o.MachineNote, Pgbench = LoadPgbench(o.PgbenchJson) };
using var api = new Api(o.BaseUrl, o.OperatorToken);
await using var db = new Database(o.Database);
using var memory = new MemorySampler(o.AppPid);

await api.WaitReadyAsync(TimeSpan.FromMinutes(2));
await db.EnableStatementsAsync();
var runId = "r" + DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(ci);
const string plan = "bench-unlimited";
await api.EnsurePlanAsync(plan);

// Cycles that started days ago, so that "now minus a few minutes" is inside the current cycle.
var billingDay = Math.Min(28, DateTime.UtcNow.AddDays(-10).Day);
Log($"provisioning {o.SpreadAccounts} × {o.SpreadWorkspaces} workspaces, a hot account of {o.HotWorkspaces} and a hot row");
var spread = new List<BenchAccount>();
for (var a = 0; a < o.SpreadAccounts; a++)
{
    spread.Add(await api.CreateAccountAsync($"spread-{a:D2}", plan, billingDay, o.SpreadWorkspaces, 8, distributed: a % 2 == 1));
}

var hot = await api.CreateAccountAsync("hot-account", plan, billingDay, o.HotWorkspaces, 8);
var hotRow = await api.CreateAccountAsync("hot-row", plan, billingDay, 1, 1);
var work = new CallWorkload(api, runId);
foreach (var account in spread.Append(hot).Append(hotRow))
{
    var seconds = await db.InsertHistoryAsync(account.Id, o.HistoryDays);
    account.Workspaces.ForEach(w => work.AddHistory(w, seconds));
}

report.Setup = $"**Accounts mid-cycle:** before the load, every workspace of the load's accounts has {o.HistoryDays} days of usage before today in its current cycle " +
               $"(4 ended calls a day), so an account's cycle balance sums {o.HistoryDays + 1} days: the spread accounts' {o.SpreadWorkspaces:N0} workspaces, the hot account's {o.HotWorkspaces:N0}. " +
               "Every other spread account has minute distribution on, with every other workspace holding an allocation and the rest drawing on the unallocated pool, so the spread load checks all three balance shapes (one pool; a workspace allocation and the account; the unallocated pool and the account).";
Log($"provisioned, with {o.HistoryDays} days of usage before today in every workspace");
var duration = TimeSpan.FromSeconds(o.Seconds);
var cmax = o.Concurrency.Max();

// Warm-up, not reported: a freshly started .NET process runs unoptimised code until tiered compilation has
// recompiled the hot paths (with profile-guided optimisation, in the background, on the same 2 busy cores),
// and opens its pooled connections on first use. pgbench's baseline runs against a warm server too. Measured:
// after a fixed 8 s warm-up at 32 clients, the first phase at 8 clients ran call starts at 579/s and the same
// phase repeated right after it at 850/s; a warm-up that stopped as soon as two rounds agreed stopped at 240
// pairs/s after 12 s, where 43 s reached 440/s (compilation moves in steps). So the warm-up runs in rounds at
// every concurrency the phases use, for at least 20 s (quick) or 40 s, then until a round is no more than 10 %
// faster than the round before (the steady state), for at most 60 s or 120 s.
var warmRound = TimeSpan.FromSeconds(o.Quick ? 3 : 5);
var (warmMin, warmMax) = (TimeSpan.FromSeconds(o.Quick ? 20 : 40), TimeSpan.FromSeconds(o.Quick ? 60 : 120));
var warmWatch = System.Diagnostics.Stopwatch.StartNew();
long warmPairs = 0;
var warmRates = new Dictionary<int, double>();
while (warmWatch.Elapsed < warmMax)
{
    var steady = true;
    foreach (var c in o.Concurrency.Distinct())
    {
        var round = await Load.ClosedAsync("warm-up: call start+end pairs", c, warmRound, async _ =>
        {
            var call = work.NewCall([.. spread, hot, hotRow], "w");
            var error = await work.StartAsync(call, queue: false);
            return error.Length > 0 ? error : await work.EndAsync(call);
        });
        warmPairs += round.Ok;
        steady &= warmRates.TryGetValue(c, out var before) && round.PerSecond <= 1.1 * before;
        warmRates[c] = round.PerSecond;
    }

    if (steady && warmWatch.Elapsed >= warmMin)
    {
        break;
    }
}

Log($"warm-up: {warmPairs:N0} call start+end pairs in {warmWatch.Elapsed.TotalSeconds:N0} s, last rounds {string.Join(", ", warmRates.Select(r => $"c={r.Key} {r.Value:N0}/s"))}, not reported");

// Planner statistics, as pgbench's initialisation gathers them for its own tables. The database is a minute
// old: autovacuum has not analysed it yet, and each pooled connection caches the generic plans of its prepared
// statements. A plan made while the calls table held a few rows rates every index that starts with account_id
// as equally cheap (an estimated 1 row): one run looked each ended call up through the workspace index,
// filtering 9,000 rows of the hot account, instead of by primary key. ANALYZE invalidates those plans. A
// deployment gets the same from autovacuum as its tables grow; until then they are small enough for any plan.
await db.ExecAsync("ANALYZE");

// The scenario's statements since the last reset, and each process's CPU since `cpu` was taken, per request.
async Task AddProfileAsync(string scenario, long requests, CpuSnapshot? cpu)
{
    if (await db.StatementsAsync(requests) is { } profile)
    {
        report.Profiles.Add(new ScenarioProfile(scenario, profile) { Cpu = CpuMeter.PerRequest(cpu, CpuMeter.Take(o.AppPid), requests) });
    }
}

async Task<(PhaseResult Start, PhaseResult End)> StartThenEndAsync(string label, IReadOnlyList<BenchAccount> accounts, int concurrency, string tag)
{
    await db.ResetStatementsAsync();
    var cpu = CpuMeter.Take(o.AppPid);
    var start = await Load.ClosedAsync($"call start, {label}", concurrency, duration, async _ => await work.StartAsync(work.NewCall(accounts, tag)));
    var end = await Load.ClosedAsync($"call end, {label}", concurrency, duration, _ => work.EndNextAsync());
    work.ClearStarted(); // calls not ended in time stay active; active calls charge nothing
    report.Phases.Add(start);
    report.Phases.Add(end);
    var requests = start.Ok + start.Failed + end.Ok + end.Failed;
    await AddProfileAsync($"call start + end, {label}, c={concurrency}", requests, cpu);

    Log($"{label} c={concurrency}: start {start.PerSecond:N0}/s p99 {start.Latency.P99:F1} ms, end {end.PerSecond:N0}/s p99 {end.Latency.P99:F1} ms");
    return (start, end);
}

// (1) Call start and end spread over many workspaces.
var spreadLabel = $"spread {o.SpreadAccounts}×{o.SpreadWorkspaces}";
var spreadResults = new Dictionary<int, (PhaseResult Start, PhaseResult End)>();
foreach (var c in o.Concurrency)
{
    spreadResults[c] = await StartThenEndAsync(spreadLabel, spread, c, "s");
}

// (1b) Call start latency at half the target rate (open loop).
var suMax = SimpleUpdate(cmax);
var pacedRate = suMax is { } su ? Math.Max(10, 0.5 * 0.5 * su) : 100;
var paced = await Load.PacedAsync($"call start, {spreadLabel}", pacedRate, 256, duration, async _ => await work.StartAsync(work.NewCall(spread, "p"), queue: false));
report.Phases.Add(paced);
Log($"paced start at {pacedRate:N0}/s: p99 {paced.Latency.P99:F1} ms");

// (2) Hot account and hot row, bracketed by the spread load at the same client count: their bound is 0.8 × the mean
// of the spread phase before them and a second one right after, so a machine that drifts during the run (its CPU per
// request varied by a third between phases of one run) moves the bound with the hot phases instead of failing them.
var hotResult = await StartThenEndAsync($"hot account 1×{o.HotWorkspaces}", [hot], cmax, "h");
var hotRowResult = await StartThenEndAsync("hot row 1×1", [hotRow], cmax, "r");
var spreadAfterHot = await StartThenEndAsync(spreadLabel + AgainAfterHot, spread, cmax, "s");

// (3) Batch import, 1,000 finished calls per request.
await db.ResetStatementsAsync();
var importCpu = CpuMeter.Take(o.AppPid);
long imported = 0;
var import = await Load.ClosedAsync("usage-records import, 1,000 per request", o.ImportClients, duration,
    async w => await work.ImportAsync(spread[w % spread.Count], 1_000, "i", n => Interlocked.Add(ref imported, n)));
report.Phases.Add(import);
var importRate = imported / import.Seconds;
await AddProfileAsync("usage-records import (per request of 1,000 records)", import.Ok + import.Failed, importCpu);

Log($"import: {importRate:N0} calls/s ({import.PerSecond:F1} requests/s)");

// (4) Balance reads at a fixed rate while call start+end pairs run, after the same reads with no call load beside them:
// that first phase is the reference the target's figure is read against (how fast the app answers a read when the cores
// are free, and what one read costs the app, PostgreSQL and the generator), as pgbench is for the throughput targets.
// Each phase's first seconds of reads are sent at the same rate but not measured: they open the load generator's
// connections (up to 256 requests in flight) and run the read path's first requests, which a steady-state latency says
// nothing about; a failure among them still counts.
const double BalanceP99BoundMs = 10;
var balanceWarmUp = TimeSpan.FromSeconds(2);
async Task<string> ReadBalance(long n)
{
    var account = spread[(int)(n % spread.Count)];
    var ws = account.Workspaces[(int)(n / spread.Count % account.Workspaces.Count)];
    var (status, body) = await api.SendAsync(HttpMethod.Get, $"/api/v1/workspaces/{ws}/balance", account.ApiKey, null);
    return status == HttpStatusCode.OK ? "" : $"balance {(int)status}: {Api.Truncate(body)}";
}

// Warm-up, then the measured reads: each process's CPU is taken around both (the profile counts every request), the
// machine's activity around the measured reads alone.
async Task<(PhaseResult Reads, long Requests, CpuSnapshot? Cpu)> MeasureReadsAsync(string name)
{
    var cpu = CpuMeter.Take(o.AppPid);
    var warm = await Load.PacedAsync($"{name}, warm-up", o.BalanceReadsPerSecond, 256, balanceWarmUp, ReadBalance);
    var machine = CpuMeter.TakeMachine();
    var reads = await Load.PacedAsync(name, o.BalanceReadsPerSecond, 256, duration, ReadBalance, BalanceP99BoundMs);
    reads = reads with
    {
        Machine = CpuMeter.Between(machine, CpuMeter.TakeMachine()),
        Failed = reads.Failed + warm.Failed,
        FirstError = warm.FirstError ?? reads.FirstError,
    };
    return (reads, warm.Ok + reads.Ok + reads.Failed, cpu);
}

// The import just before wrote hundreds of thousands of rows, and in the first run with the reads-alone phase the
// kernel's writeback threads ran for 1.1 s of its 10 s on the 2 cores: the reads start from a checkpoint instead.
await db.CheckpointAsync();
await db.ResetStatementsAsync();
var (alone, aloneRequests, aloneCpu) = await MeasureReadsAsync(ReadsAlone);
report.Phases.Add(alone);
await AddProfileAsync(ReadsAloneProfile, aloneRequests, aloneCpu);

Log($"balance reads with no call load: {alone.PerSecond:N0}/s p99 {alone.Latency.P99:F1} ms");
await db.ResetStatementsAsync();
var background = Task.Run(() => Load.ClosedAsync($"background: call start+end pairs, {spreadLabel}", Math.Min(8, cmax), balanceWarmUp + duration + TimeSpan.FromSeconds(1), async _ =>
{
    var call = work.NewCall(spread, "b");
    var error = await work.StartAsync(call, queue: false);
    return error.Length > 0 ? error : await work.EndAsync(call);
}));
var (balance, readRequests, balanceCpu) = await MeasureReadsAsync(ReadsUnderLoad);
var backgroundResult = await background;
report.Phases.Add(balance);
report.Phases.Add(backgroundResult);
var balanceRequests = readRequests + 2 * backgroundResult.Ok + backgroundResult.Failed;
await AddProfileAsync(ReadsUnderLoadProfile, balanceRequests, balanceCpu);

Log($"balance reads: {balance.PerSecond:N0}/s p99 {balance.Latency.P99:F1} ms");
report.PeakRssSampledBytes = memory.PeakRss;

// Exactness: every workspace's used seconds against the calls this program sent.
var unsettled = await work.SettleUnknownAsync();
if (unsettled > 0)
{
    report.ExactnessProblems.Add($"{unsettled} call end(s) never got an answer, even when repeated");
}

var checkedAccounts = spread.Append(hot).Append(hotRow).ToList();
report.ExactnessProblems.AddRange(await work.CheckAsync(checkedAccounts));
report.ExactnessWorkspacesChecked = checkedAccounts.Sum(a => a.Workspaces.Count);
if (work.Mismatches > 0)
{
    report.ExactnessProblems.Add($"{work.Mismatches} answer(s) billed a call differently from the plan's rules");
}

Log(report.ExactnessProblems.Count == 0 ? "exactness: every balance matches" : $"EXACTNESS FAILED: {report.ExactnessProblems.Count} problem(s)");

// (5) Closing periods for many workspaces, through the same StatementCloser the job uses.
double? closeProjected = null;
try
{
    var closeAccount = await api.CreateAccountAsync("close-periods", plan, Math.Min(28, DateTime.UtcNow.AddDays(-20).Day), 0, 1);
    var genWatch = Stopwatch.StartNew();
    await db.BackdateAccountAsync(closeAccount.Id, 40);
    await db.InsertWorkspacesAsync(closeAccount.Id, o.CloseWorkspaces, '9', 40);
    var buckets = await db.InsertPastBucketsAsync(closeAccount.Id);
    await db.ExecAsync("VACUUM ANALYZE workspaces");
    await db.ExecAsync("VACUUM ANALYZE usage_buckets");
    Log($"close data: {o.CloseWorkspaces:N0} workspaces, {buckets:N0} buckets in {genWatch.Elapsed.TotalSeconds:F0} s");
    await db.ResetStatementsAsync();
    var (elapsed, result, finished) = await db.CloseStatementsAsync(closeAccount.Id, TimeSpan.FromSeconds(o.CloseTimeoutSeconds));
    var periods = await db.ScalarAsync<long>("SELECT count(*) FROM statements WHERE account_id = $1 AND scope = 'Workspace'", closeAccount.Id);
    if (await db.StatementsAsync(Math.Max(1, periods)) is { } closeProfile)
    {
        report.Profiles.Add(new ScenarioProfile($"close statements ({periods:N0} workspace periods; 'per request' = per workspace period)", closeProfile));
    }

    report.Phases.Add(new PhaseResult($"close statements, {o.CloseWorkspaces:N0} workspaces{(finished ? "" : " (stopped at the time limit)")}", 1, elapsed.TotalSeconds,
        finished ? periods : 0, finished ? 0 : 1, periods / elapsed.TotalSeconds, new LatencySummary(1, elapsed.TotalMilliseconds, elapsed.TotalMilliseconds, elapsed.TotalMilliseconds, elapsed.TotalMilliseconds)));
    if (finished && periods > 0)
    {
        closeProjected = elapsed.TotalSeconds * 100_000 / periods;
        Log($"closed {periods:N0} workspace periods ({result.Statements:N0} statements) in {elapsed.TotalSeconds:F1} s");
        if (periods != 100_000)
        {
            report.Notes.Add(string.Create(ci, $"Close statements ran for {periods:N0} workspace periods ({o.CloseWorkspaces:N0} workspaces in one account), not 100,000; the 100,000 figure is projected linearly from {elapsed.TotalSeconds:F1} s (the closer's work is per workspace)."));
        }
    }
    else
    {
        closeProjected = o.CloseTimeoutSeconds * 100_000.0 / Math.Max(1, o.CloseWorkspaces);
        report.Notes.Add(string.Create(ci, $"Close statements did not finish {o.CloseWorkspaces:N0} workspaces within {o.CloseTimeoutSeconds:F0} s; the projection is a lower bound."));
        Log("close statements hit the time limit");
    }
}
catch (Exception e) when (e is InvalidOperationException or Npgsql.NpgsqlException)
{
    report.Notes.Add($"Close-statements scenario failed: {e.Message}");
    Log($"close scenario failed: {e}");
}

// (6) Usage report over a cycle with many calls.
double? reportMedian = null;
long reportCalls = 0;
try
{
    var reportAccount = await api.CreateAccountAsync("usage-report", plan, billingDay, 0, 1);
    await db.InsertWorkspacesAsync(reportAccount.Id, 100, '8', 40);
    var account = await api.ExpectAsync(HttpMethod.Get, "/api/v1/account", reportAccount.ApiKey, null, HttpStatusCode.OK);
    var cycleStart = DateTimeOffset.Parse((string)account["cycle"]!["start"]!, ci);
    var until = DateTimeOffset.UtcNow.AddMinutes(-15);
    var genWatch = Stopwatch.StartNew();
    reportCalls = await db.InsertCallsAsync(reportAccount.Id, cycleStart, until, o.ReportCalls, TimeSpan.FromSeconds(o.ReportGenerateBudgetSeconds), Log);
    Log($"report data: {reportCalls:N0} calls and their buckets in {genWatch.Elapsed.TotalSeconds:F0} s");
    if (reportCalls < o.ReportCalls)
    {
        report.Notes.Add(string.Create(ci, $"Usage report: generation stopped at {reportCalls:N0} calls (budget {o.ReportGenerateBudgetSeconds:F0} s), not {o.ReportCalls:N0}."));
    }

    var billable = await db.ScalarAsync<long>("SELECT coalesce(sum(billable_seconds), 0)::bigint FROM calls WHERE account_id = $1", reportAccount.Id);
    await db.ResetStatementsAsync();
    var times = new Latencies();
    for (var i = 0; i < 6; i++)
    {
        var start = Stopwatch.GetTimestamp();
        var body = await api.ExpectAsync(HttpMethod.Get, "/api/v1/reports/usage", reportAccount.ApiKey, null, HttpStatusCode.OK);
        if (i > 0)
        {
            times.AddSince(start);
        }

        if ((long)body["totalCalls"]! != reportCalls || (long)body["totalBillableSeconds"]! != billable)
        {
            report.ExactnessProblems.Add($"usage report says {body["totalCalls"]} calls / {body["totalBillableSeconds"]} s, the generated calls are {reportCalls} / {billable} s");
        }
    }

    var summary = times.Summarise();
    reportMedian = summary.P50;
    report.Phases.Add(new PhaseResult($"usage report, current cycle, {reportCalls:N0} calls (1 warm-up + 5 sequential)", 1, summary.Count, summary.Count, 0, 0, summary));
    if (await db.StatementsAsync(6) is { } reportProfile)
    {
        report.Profiles.Add(new ScenarioProfile("usage report", reportProfile));
    }

    Log($"usage report: median {summary.P50:F0} ms over {reportCalls:N0} calls");
}
catch (Exception e) when (e is InvalidOperationException or Npgsql.NpgsqlException)
{
    report.Notes.Add($"Usage-report scenario failed: {e.Message}");
    Log($"report scenario failed: {e}");
}

// Memory.
report.PeakWorkingSetBytes = memory.PeakHwm;
report.PeakRssSampledBytes = Math.Max(report.PeakRssSampledBytes, memory.PeakRss);

// Targets.
foreach (var c in o.Concurrency)
{
    if (SimpleUpdate(c) is not { } tps)
    {
        continue;
    }

    var (start, end) = spreadResults[c];
    report.Targets.Add(new TargetCheck($"call end, spread, {c} clients", end.PerSecond, ">=", 0.6 * tps, "/s", $"0.6 × pgbench simple-update {tps:N0} TPS at {c} clients"));
    report.Targets.Add(new TargetCheck($"call start, spread, {c} clients", start.PerSecond, ">=", 0.5 * tps, "/s", $"0.5 × pgbench simple-update {tps:N0} TPS at {c} clients"));
}

report.Targets.Add(new TargetCheck("call start p99 at half the target rate", paced.Latency.P99, "<=", 25, "ms",
    $"open loop at {pacedRate:N0}/s (= ½ × 0.5 × simple-update TPS at {cmax} clients), achieved {paced.PerSecond:N0}/s{SentText(paced)}"));
var spreadMax = spreadResults[cmax];
var spreadStarts = (spreadMax.Start.PerSecond + spreadAfterHot.Start.PerSecond) / 2;
var spreadEnds = (spreadMax.End.PerSecond + spreadAfterHot.End.PerSecond) / 2;
string SpreadBasis(PhaseResult before, PhaseResult after) =>
    $"0.8 × spread at {cmax} clients, the mean of {before.PerSecond:N0}/s before the hot phases and {after.PerSecond:N0}/s after";
report.Targets.Add(new TargetCheck("hot account, call start", hotResult.Start.PerSecond, ">=", 0.8 * spreadStarts, "/s", SpreadBasis(spreadMax.Start, spreadAfterHot.Start)));
report.Targets.Add(new TargetCheck("hot account, call end", hotResult.End.PerSecond, ">=", 0.8 * spreadEnds, "/s", SpreadBasis(spreadMax.End, spreadAfterHot.End)));
report.Targets.Add(new TargetCheck("hot row (one workspace), call start", hotRowResult.Start.PerSecond, ">=", 0.8 * spreadStarts, "/s", SpreadBasis(spreadMax.Start, spreadAfterHot.Start) + " (the hot-account bound applied to one row)"));
report.Targets.Add(new TargetCheck("hot row (one workspace), call end", hotRowResult.End.PerSecond, ">=", 0.8 * spreadEnds, "/s", SpreadBasis(spreadMax.End, spreadAfterHot.End) + " (the hot-account bound applied to one row)"));
report.Targets.Add(new TargetCheck("batch import", importRate, ">=", 20_000, "calls/s", $"{o.ImportClients} clients × 1,000 records per request"));
if (report.Pgbench.Where(p => p.Mode == "simple-update").Select(p => p.Tps).DefaultIfEmpty().Max() is var bestSu and > 0)
{
    report.Targets.Add(new TargetCheck("batch import vs database", importRate, ">=", 6 * bestSu, "calls/s", $"6 × the best pgbench simple-update TPS ({bestSu:N0})"));
}

report.Targets.Add(new TargetCheck("balance read p99", balance.Latency.P99, "<=", BalanceP99BoundMs, "ms", $"open loop at {o.BalanceReadsPerSecond:N0}/s while call start+end pairs run, after {balanceWarmUp.TotalSeconds:0} s of unmeasured warm-up at that rate (achieved {balance.PerSecond:N0}/s{SentText(balance)}; with no call load, p99 {alone.Latency.P99:0.0} ms)"));
report.Targets.Add(new TargetCheck("balance read rate sustained", balance.PerSecond, ">=", 0.95 * o.BalanceReadsPerSecond, "/s", "the rate the p99 bound is stated for"));
if (closeProjected is { } projected)
{
    report.Targets.Add(new TargetCheck("close 100,000 workspace periods", projected, "<=", 30, "s", o.CloseWorkspaces == 100_000 ? "measured" : $"projected from {o.CloseWorkspaces:N0} workspaces"));
}

if (reportMedian is { } median)
{
    report.Targets.Add(new TargetCheck($"usage report, {reportCalls:N0} calls", median, "<=", 300, "ms", "median of 5 after a warm-up"));
    if (reportCalls is > 0 and < 10_000_000)
    {
        report.Targets.Add(new TargetCheck("usage report, 10 M calls (projected)", median * 10_000_000 / reportCalls, "<=", 300, "ms",
            $"scaled as if linear in calls, an upper bound: the report reads daily buckets, which grow with workspaces × days, not calls; measured at {reportCalls:N0}"));
    }
}

if (report.PeakWorkingSetBytes > 0)
{
    report.Targets.Add(new TargetCheck("app peak working set", report.PeakWorkingSetBytes / 1048576.0, "<=", 400, "MB", "VmHWM of the app process"));
}

report.Damon = DamonMonitor.Running();
report.Preemption = KernelPreemption.Model();
Analyse(report);
report.FinishedAt = DateTimeOffset.UtcNow;
Directory.CreateDirectory(o.OutDir);
await File.WriteAllTextAsync(Path.Combine(o.OutDir, "latest.md"), report.ToMarkdown());
await File.WriteAllTextAsync(Path.Combine(o.OutDir, "latest.json"), report.ToJson());
Log($"report written to {Path.Combine(o.OutDir, "latest.md")} and latest.json");
foreach (var t in report.Targets)
{
    Log($"{(t.Met ? "met   " : "MISSED")} {t.Name}: {t.Measured:F1} {t.Unit} (bound {t.Comparison} {t.Target:F1})");
}

if (report.ExactnessProblems.Count > 0)
{
    foreach (var p in report.ExactnessProblems.Take(20))
    {
        Console.Error.WriteLine("EXACTNESS: " + p);
    }

    return 2;
}

return 0;

double? SimpleUpdate(int clients) =>
    report.Pgbench.FirstOrDefault(p => p.Mode == "simple-update" && p.Clients == clients) is { } run ? run.Tps : null;

static List<PgbenchRun> LoadPgbench(string? path)
{
    if (path is null || !File.Exists(path))
    {
        return [];
    }

    var runs = JsonNode.Parse(File.ReadAllText(path))!.AsArray();
    return runs.Select(r => new PgbenchRun((string)r!["mode"]!, (int)r["clients"]!, (double)r["seconds"]!, (double)r["tps"]!, (double)r["latencyAvgMs"]!)).ToList();
}

// What the balance reads' tail was made of: a steady queue, or stalls in which every read due waited, and what the
// machine ran meanwhile. Profiling one such phase (perf sched, a trace of the app's GC and thread pool) found stalls of
// 30–100 ms every 0.54–0.55 s in reads and call writes alike, at the period of the kernel's DAMON sampling, while the
// app's own pauses (gen0/gen1 GC) stayed at 1–15 ms; this prints the same evidence from /proc and /sys on every run.
static string BalanceTail(BenchReport report)
{
    var ci = CultureInfo.InvariantCulture;
    var phase = report.Phases.FirstOrDefault(p => p.Name == ReadsUnderLoad);
    var bound = report.Targets.FirstOrDefault(t => t.Name == "balance read p99")?.Target;
    if (phase is null || bound is null)
    {
        return "";
    }

    var text = new StringBuilder(string.Create(ci, $" The median read took {phase.Latency.P50:0.0} ms and p95 {phase.Latency.P95:0.0} ms"));
    if (phase.Machine is { } machine)
    {
        text.Append(ci, $"; the machine's cores were {machine.BusyPercent:0} % busy during the phase");
    }

    text.Append('.');
    if (phase.Bursts is { Count: > 0 } bursts)
    {
        text.Append(ci, $" Of the reads over {bound:0} ms, {bursts.ShareOfSlow:P0} came in {bursts.Count} bursts that reached {2 * bound:0} ms or more (the slowest {bursts.PeakMs:0} ms)");
        if (bursts.MedianIntervalSeconds is { } interval)
        {
            text.Append(ci, $", one every {interval:0.00} s (median)");
        }

        text.Append(ci, $": stalls in which every read due waited, rather than a steady queue. The p99 of the other {1 - (double)bursts.Requests / phase.Latency.Count:P0} of the reads was {bursts.P99Outside:0.0} ms.");
    }

    var kernel = phase.Machine?.KernelThreads ?? [];
    if (report.Damon is { } damon)
    {
        var kdamond = kernel.Where(k => k.Name.StartsWith("kdamond", StringComparison.Ordinal)).Sum(k => k.Ms);
        text.Append(ci, $" This machine's kernel runs DAMON, {damon.Description}, as the host of a virtual machine may run it to take back memory the guest does not use");
        if (kdamond > 0 && phase.Machine is { Seconds: > 0 } m)
        {
            var passes = m.Seconds / damon.SampleSeconds;
            text.Append(ci, $"; kdamond used {kdamond:0} ms of CPU in the {m.Seconds:0} s phase, about {kdamond / passes:0} ms of one of the {Environment.ProcessorCount} cores per sample");
        }

        if (report.Preemption == "none")
        {
            text.Append(", and the kernel's preemption model is none, so a task woken on the core kdamond runs on waits for the whole pass");
        }

        if (phase.Bursts?.MedianIntervalSeconds is { } every && every >= damon.SampleSeconds && every <= 1.25 * damon.SampleSeconds)
        {
            text.Append(ci, $". The bursts recur at its sampling period ({every:0.00} s against {damon.SampleSeconds:0.##} s plus the sample's own time): with the cores this busy, the requests that queue while one core is taken need several times as long to drain");
        }

        text.Append('.');
    }

    var others = kernel.Where(k => !k.Name.StartsWith("kdamond", StringComparison.Ordinal)).Take(3).ToList();
    if (others.Count > 0)
    {
        text.Append(ci, $" Other kernel threads that ran at least 1 % of a core: {string.Join(", ", others.Select(k => string.Create(ci, $"{k.Name} {k.Ms:0} ms")))}.");
    }

    return text.ToString();
}

// "; the generator sent them a median 0.15 ms and at p99 3.67 ms after their scheduled time": how well the open-loop
// generator kept its schedule, the floor under the latencies it measured (they count from the scheduled time).
static string SentText(PhaseResult phase) =>
    phase.SendLateness is { } late
        ? string.Create(CultureInfo.InvariantCulture, $"; the generator sent them a median {late.P50:0.00} ms and at p99 {late.P99:0.00} ms after their scheduled time")
        : "";

// " With no call load beside them, …": the reference phase, so a reader can tell what the call load added to the reads'
// latency from what a read costs and takes on free cores.
static string ReadsAloneText(BenchReport report)
{
    var ci = CultureInfo.InvariantCulture;
    if (report.Phases.FirstOrDefault(p => p.Name == ReadsAlone) is not { } alone)
    {
        return "";
    }

    var text = new StringBuilder(string.Create(ci, $" With no call load beside them, the same reads at the same rate took {alone.Latency.P50:0.0} ms at the median, {alone.Latency.P95:0.0} ms at p95 and {alone.Latency.P99:0.0} ms at p99"));
    if (alone.Machine is { } machine)
    {
        text.Append(ci, $", with the cores {machine.BusyPercent:0} % busy");
    }

    if (report.Profiles.FirstOrDefault(p => p.Scenario == ReadsAloneProfile)?.Cpu is { } cpu)
    {
        text.Append(ci, $"; a read alone cost the app {cpu.AppMs:0.00} ms of CPU, PostgreSQL {cpu.DatabaseMs:0.00} ms and the load generator {cpu.LoadGeneratorMs:0.00} ms ({cpu.MachineMs:0.00} ms of the machine's cores in all, warm-up included)");
    }

    return text.Append('.').ToString();
}

// " (8 clients sending …)": the closed-loop call load that ran beside the balance reads, as the run configured it.
static string BackgroundClients(BenchReport report) =>
    report.Phases.FirstOrDefault(p => p.Name.StartsWith("background", StringComparison.Ordinal)) is { } background
        ? string.Create(CultureInfo.InvariantCulture, $" ({background.Concurrency} clients sending start+end pairs back to back, as fast as the machine answers)")
        : "";

// Short, data-driven explanations for each missed target (pg_stat_statements per scenario).
static void Analyse(BenchReport report)
{
    var ci = CultureInfo.InvariantCulture;
    string Profile(string prefix)
    {
        var p = report.Profiles.FirstOrDefault(s => s.Scenario.StartsWith(prefix, StringComparison.Ordinal));
        if (p is null)
        {
            return "";
        }

        var top = p.Profile.Top.FirstOrDefault();
        return string.Create(ci, $" The database saw {p.Profile.PerRequest:0.0} statements per request in this scenario") +
               (p.Cpu is { } cpu ? ", " + BenchReport.CpuText(cpu) : "") +
               (top is null ? "." : string.Create(ci, $"; the heaviest by total time was `{(top.Query.Length > 90 ? top.Query[..90] + "…" : top.Query)}` ({top.Calls:N0} calls, {top.MeanMs:0.00} ms mean)."));
    }

    // At C ms of the machine's CPU per request, its cores serve at most cores × 1,000 / C requests a second.
    string Ceiling(string prefix) =>
        report.Profiles.FirstOrDefault(s => s.Scenario.StartsWith(prefix, StringComparison.Ordinal))?.Cpu is { MachineMs: > 0 } cpu
            ? string.Create(ci, $": {cpu.MachineMs:0.00} ms of CPU per request on {Environment.ProcessorCount} cores is at most {Environment.ProcessorCount * 1000 / cpu.MachineMs:N0} requests a second") +
              (report.Pgbench.Where(r => r.Mode == "simple-update").MaxBy(r => r.Tps) is { Tps: > 0 } best
                  ? string.Create(ci, $", while pgbench's {best.Tps:N0} TPS means its whole transaction (client included) took at most {Environment.ProcessorCount * 1000 / best.Tps:0.00} ms of the same cores")
                  : "")
            : "";

    // The hot phases' bound is 0.8 × the mean of the spread phases at the highest client count before and after them,
    // measured in other seconds of the run: the CPU per request of each says whether the hot phase was dearer per request
    // or the machine slower meanwhile.
    string HotText(List<string> missed)
    {
        var text = new StringBuilder();
        foreach (var (name, scenario) in new[] { ("hot account", "call start + end, hot account"), ("hot row", "call start + end, hot row") })
        {
            if (!missed.Any(m => m.StartsWith(name, StringComparison.Ordinal)))
            {
                continue;
            }

            text.Append(Profile(scenario));
            text.Append(name == "hot account"
                ? " A call start sums the account's cycle from its account-wide days (a row per day and slot, whatever its number of workspaces) and its workspace's own buckets, so the hot account's start reads as many rows as a spread account's; its ends all write the day rows of one account."
                : " Every call of the hot row is in one workspace: its starts sum that workspace's buckets and its account's days, and each end batch adds to the same few bucket rows of today (one per slot) and the same account day, one batch at a time.");
            var hot = report.Profiles.FirstOrDefault(p => p.Scenario.StartsWith(scenario, StringComparison.Ordinal))?.Cpu;
            // The spread phase after the hot ones, and the one at the same client count before them (its name without the suffix).
            var afterProfile = report.Profiles.FirstOrDefault(p => p.Scenario.Contains(AgainAfterHot, StringComparison.Ordinal));
            var after = afterProfile?.Cpu;
            var before = afterProfile is null ? null : report.Profiles.FirstOrDefault(p => p.Scenario == afterProfile.Scenario.Replace(AgainAfterHot, "", StringComparison.Ordinal))?.Cpu;
            if (hot is { MachineMs: > 0 } && before is { MachineMs: > 0 } && after is { MachineMs: > 0 })
            {
                text.Append(ci, $" The bound comes from the spread phases at the highest client count before and after the hot ones, in other seconds of the run: the machine's cores spent {hot.MachineMs:0.00} ms per request in this phase against {before.MachineMs:0.00} and {after.MachineMs:0.00} ms in those (app {hot.AppMs:0.00} against {before.AppMs:0.00} and {after.AppMs:0.00} ms, PostgreSQL {hot.DatabaseMs:0.00} against {before.DatabaseMs:0.00} and {after.DatabaseMs:0.00} ms).");
            }
        }

        return text.ToString();
    }

    var groups = report.Targets.Where(t => !t.Met)
        .GroupBy(t => t.Name.Split(',', ' ')[0] + (t.Name.StartsWith("call start p99", StringComparison.Ordinal) ? " p99" : ""));
    foreach (var group in groups)
    {
        var t = group.First();
        var names = string.Join("; ", group.Select(g => string.Create(ci, $"{g.Name} {g.Margin:0.00}×")));
        var pacedStart = report.Phases.FirstOrDefault(p => p.Name.StartsWith("call start", StringComparison.Ordinal) && p.TargetRate is not null);
        var text = t.Name switch
        {
            var n when n.StartsWith("call start p99", StringComparison.Ordinal) && pacedStart is not null =>
                string.Create(ci, $"**Missed: {names}.** Offered {pacedStart.TargetRate:N0} starts/s, achieved {pacedStart.PerSecond:N0}/s; the median start took {pacedStart.Latency.P50:0.0} ms and p95 {pacedStart.Latency.P95:0.0} ms. When the achieved rate falls below the offered one, the open-loop generator queues the difference, so a pause of a few seconds anywhere in the phase (on this shared 2-core machine) puts every later request behind it; the closed-loop phases average such pauses out."),
            var n when n.StartsWith("hot ", StringComparison.Ordinal) => $"**Missed: {names}.**" + HotText(group.Select(g => g.Name).ToList()),
            var n when n.StartsWith("call ", StringComparison.Ordinal) =>
                $"**Missed: {names}.**{Profile("call start + end")} A pgbench simple-update transaction is 5 prepared statements and a commit sent by a small C client. A MinutePool call start is an HTTP request (JSON, API-key check) plus 1 statement when the process has read its workspace before: the insert, which sums the workspace's balance (a workspace on the unallocated pool sums the pool part of the account's days), checks the key, the account's version and the workspace the process remembered (the account's settings, plan schedule and allocation total are remembered at that version) and inserts only while time is left; 2 otherwise or when something changed (the API key with its account's version, the workspace and its balance sums, then the insert; a third, separate sum when the workspace's balance dates are not yet known to the process). An end is 1, the statement that ends and charges it (its bucket, and through the buckets' triggers the account's day and its pool part, by the workspace's allocation), which also checks the call, key and account version the process remembered from the start; 2 when the process did not start the call or something changed (then the key, the account's version and the call are read first). The inserts and the end statements of concurrent requests are group-committed: one statement and one commit per batch (the table above counts batches). The statements' own execution time is small next to the request latency: the app's CPU per request (ASP.NET Core, EF Core, Npgsql), the database's (each statement a round trip that wakes a backend; the commit) and the load generator's share the same cores, and that sets the ceiling{Ceiling("call start + end")}.",
            var n when n.StartsWith("batch import", StringComparison.Ordinal) =>
                $"**Missed: {names}.**{Profile("usage-records")} The import is one INSERT of the whole batch (unnest of arrays) and one bucket upsert (with its trigger's upsert of the account's days) in one transaction; the time is PostgreSQL writing the rows and their index entries, and the app reading 1,000 JSON records.",
            var n when n.StartsWith("balance", StringComparison.Ordinal) =>
                $"**Missed: {names}.**{Profile(ReadsUnderLoadProfile)} Each read is an HTTP request plus 1 statement (the API key with its account's version, the workspace and its balance sums; a second for the sums when the workspace's balance dates are not yet known to the process). The reads share {Environment.ProcessorCount} cores with the call load beside them{BackgroundClients(report)}, the load generator and PostgreSQL.{ReadsAloneText(report)}{BalanceTail(report)}",
            var n when n.StartsWith("close", StringComparison.Ordinal) =>
                $"**Missed: {names}.**{Profile("close statements")} StatementCloser reads each account's buckets once (grouped by workspace and period), computes every statement and cycle line in memory (200,000 rows for 100,000 workspaces) and inserts them with one unnest INSERT; the time is the app materialising the workspaces and building the rows, and PostgreSQL writing the rows and their index.",
            var n when n.StartsWith("usage report", StringComparison.Ordinal) =>
                $"**Missed: {names}.**{Profile("usage report")} The report reads only the daily buckets; the 10 M figure is scaled from a smaller run as if linear in calls, which overstates it. The opt-in project-tag breakdown (?include=projectTags) reads the calls and is not part of this figure.",
            var n when n.StartsWith("app peak", StringComparison.Ordinal) =>
                $"**Missed: {names}.** The app runs workstation (concurrent) GC; the connection pool at full load and the caches of API keys, accounts and workspaces are what grows. DOTNET_GCHeapHardLimit would bound the heap.",
            _ => $"**Missed: {names}.**",
        };
        report.Analysis.Add(text);
    }
}

/// <summary>Peak resident memory of the app process (VmHWM, and VmRSS sampled every 250 ms) from /proc.</summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly int pid;
    private readonly Timer? timer;
    private long peakRss;
    private long peakHwm;

    public MemorySampler(int pid)
    {
        this.pid = pid;
        if (pid > 0 && File.Exists($"/proc/{pid}/status"))
        {
            timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        }
    }

    public long PeakRss
    {
        get
        {
            Sample();
            return Interlocked.Read(ref peakRss);
        }
    }

    public long PeakHwm
    {
        get
        {
            Sample();
            return Interlocked.Read(ref peakHwm);
        }
    }

    public void Dispose() => timer?.Dispose();

    private void Sample()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    Max(ref peakRss, Kb(line));
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    Max(ref peakHwm, Kb(line));
                }
            }
        }
        catch (IOException)
        {
            // The process has gone; keep what was seen.
        }
    }

    private static long Kb(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    private static void Max(ref long field, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref field)) && Interlocked.CompareExchange(ref field, value, seen) != seen)
        {
        }
    }
}

// Names the spread phase that runs again after the hot phases, so the hot bound's two references can be told apart, and
// the two balance-read phases and their profiles, so that the target and its explanation read the loaded one and cite
// the other.
internal partial class Program
{
    private const string AgainAfterHot = ", again after the hot phases";
    private const string ReadsAlone = "balance read (no call load)";
    private const string ReadsUnderLoad = "balance read (during call load)";
    private const string ReadsAloneProfile = "balance reads alone (no call load)";
    private const string ReadsUnderLoadProfile = "balance reads with call start+end pairs beside them (every request of both counted)";
}
