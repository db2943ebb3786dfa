using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace MinutePool.Benchmarks;

/// <summary>
/// Generates calls and remembers what each workspace must have been charged: the plan bills every
/// second of a call longer than 30 s (increment 1 s), nothing for shorter ones. Only answers the server
/// confirmed count; a call whose end got no answer is ended again later (ends are idempotent).
/// </summary>
public sealed class CallWorkload(Api api, string runId)
{
    private readonly ConcurrentDictionary<Guid, long> expected = new();
    private readonly ConcurrentQueue<PendingCall> started = new();
    private readonly ConcurrentQueue<PendingCall> unknown = new();
    private long sequence;
    private long mismatches;

    public sealed record PendingCall(BenchAccount Account, Guid Workspace, string CallId, DateTimeOffset StartedAt, DateTimeOffset EndedAt)
    {
        public long Billable => (long)(EndedAt - StartedAt).TotalSeconds is var d && d > 30 ? d : 0;
    }

    public IReadOnlyDictionary<Guid, long> Expected => expected;

    public long Mismatches => Interlocked.Read(ref mismatches);

    public int StartedNotEnded => started.Count;

    public void ClearStarted() => started.Clear();

    /// <summary>Usage recorded before the load (see Database.InsertHistoryAsync), for the exactness check.</summary>
    public void AddHistory(Guid workspace, long seconds) => expected.AddOrUpdate(workspace, seconds, (_, s) => s + seconds);

    /// <summary>A new call in a random workspace of a random account (whole seconds, started 5–10 minutes ago).</summary>
    public PendingCall NewCall(IReadOnlyList<BenchAccount> accounts, string tag)
    {
        var account = accounts[Random.Shared.Next(accounts.Count)];
        var workspace = account.Workspaces[Random.Shared.Next(account.Workspaces.Count)];
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        var startedAt = now.AddSeconds(-600 + Random.Shared.Next(0, 300));
        var endedAt = startedAt.AddSeconds(Random.Shared.Next(0, 400));
        var id = string.Create(CultureInfo.InvariantCulture, $"{runId}-{tag}-{Interlocked.Increment(ref sequence)}");
        return new PendingCall(account, workspace, id, startedAt, endedAt);
    }

    /// <summary>Starts a call; on 201 queues it for <see cref="EndNextAsync"/>.</summary>
    public async Task<string> StartAsync(PendingCall call, bool queue = true)
    {
        var (status, body) = await api.SendAsync(HttpMethod.Post, "/api/v1/calls", call.Account.ApiKey,
            new { callId = call.CallId, workspaceId = call.Workspace, startedAt = call.StartedAt });
        if (status != HttpStatusCode.Created)
        {
            return $"start {(int)status}: {Api.Truncate(body)}";
        }

        if (queue)
        {
            started.Enqueue(call);
        }

        return "";
    }

    /// <summary>Ends the next started call; null when none is left. Every 50th end is sent twice (idempotency).</summary>
    public async Task<string?> EndNextAsync()
    {
        if (!started.TryDequeue(out var call))
        {
            return null;
        }

        var error = await EndAsync(call);
        if (error.Length == 0 && Random.Shared.Next(50) == 0)
        {
            error = await EndAsync(call, repeat: true);
        }

        return error;
    }

    public async Task<string> EndAsync(PendingCall call, bool repeat = false)
    {
        var (status, body) = await api.SendAsync(HttpMethod.Post, $"/api/v1/calls/{Uri.EscapeDataString(call.CallId)}/end", call.Account.ApiKey,
            new { endedAt = call.EndedAt });
        if (status == HttpStatusCode.OK)
        {
            var billed = (long?)JsonNode.Parse(body)?["billableSeconds"];
            if (billed != call.Billable)
            {
                Interlocked.Increment(ref mismatches);
                return $"end of {call.CallId} billed {billed}, expected {call.Billable}";
            }

            if (!repeat)
            {
                expected.AddOrUpdate(call.Workspace, call.Billable, (_, s) => s + call.Billable);
            }

            return "";
        }

        if (status == 0 || (int)status >= 500)
        {
            if (!repeat)
            {
                unknown.Enqueue(call);
            }
        }

        return $"end {(int)status}: {Api.Truncate(body)}";
    }

    /// <summary>Ends again the calls whose end got no answer (or a 5xx); returns how many still failed.</summary>
    public async Task<int> SettleUnknownAsync()
    {
        var failed = 0;
        var pending = new List<PendingCall>();
        while (unknown.TryDequeue(out var call))
        {
            pending.Add(call);
        }

        foreach (var call in pending)
        {
            if ((await EndAsync(call)).Length != 0)
            {
                failed++;
            }
        }

        return failed;
    }

    /// <summary>One batch of finished calls for one account; about 1 % of the records repeat the previous call id.</summary>
    public (string Body, List<PendingCall> Distinct, int Duplicates) ImportBatch(BenchAccount account, int size, string tag)
    {
        var distinct = new List<PendingCall>(size);
        var duplicates = 0;
        var json = new StringBuilder(size * 160);
        json.Append("{\"records\":[");
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        for (var i = 0; i < size; i++)
        {
            PendingCall call;
            if (i % 100 == 99)
            {
                call = distinct[^1];
                duplicates++;
            }
            else
            {
                var startedAt = now.AddSeconds(-Random.Shared.Next(600, 3_600));
                call = new PendingCall(account, account.Workspaces[Random.Shared.Next(account.Workspaces.Count)],
                    string.Create(CultureInfo.InvariantCulture, $"{runId}-{tag}-{Interlocked.Increment(ref sequence)}"),
                    startedAt, startedAt.AddSeconds(Random.Shared.Next(0, 400)));
                distinct.Add(call);
            }

            if (i > 0)
            {
                json.Append(',');
            }

            json.Append(CultureInfo.InvariantCulture,
                $"{{\"callId\":\"{call.CallId}\",\"workspaceId\":\"{call.Workspace}\",\"startedAt\":\"{call.StartedAt:yyyy-MM-ddTHH:mm:ssZ}\",\"endedAt\":\"{call.EndedAt:yyyy-MM-ddTHH:mm:ssZ}\"}}");
        }

        json.Append("]}");
        return (json.ToString(), distinct, duplicates);
    }

    public async Task<string> ImportAsync(BenchAccount account, int size, string tag, Action<long> accepted)
    {
        var (body, distinct, duplicates) = ImportBatch(account, size, tag);
        var (status, text) = await api.SendAsync(HttpMethod.Post, "/api/v1/usage-records", account.ApiKey, body);
        if (status != HttpStatusCode.OK)
        {
            return $"import {(int)status}: {Api.Truncate(text)}";
        }

        var answer = JsonNode.Parse(text)!;
        var (ok, dup, rejected) = ((int)answer["accepted"]!, (int)answer["duplicates"]!, answer["rejected"]!.AsArray().Count);
        if (ok != distinct.Count || dup != duplicates || rejected != 0)
        {
            Interlocked.Increment(ref mismatches);
            return $"import answered accepted={ok} duplicates={dup} rejected={rejected}, expected {distinct.Count}/{duplicates}/0: {Api.Truncate(text)}";
        }

        foreach (var call in distinct)
        {
            expected.AddOrUpdate(call.Workspace, call.Billable, (_, s) => s + call.Billable);
        }

        accepted(ok);
        return "";
    }

    /// <summary>Compares every workspace's used seconds, each unallocated pool's and each account's with the sum of their distinct calls; returns the differences.</summary>
    public async Task<List<string>> CheckAsync(IEnumerable<BenchAccount> accounts)
    {
        var problems = new List<string>();
        foreach (var account in accounts)
        {
            var list = (await api.ExpectAsync(HttpMethod.Get, "/api/v1/workspaces", account.ApiKey, null, HttpStatusCode.OK)).AsArray();
            foreach (var ws in list)
            {
                var id = Guid.Parse((string)ws!["id"]!);
                var used = (long)ws["usedSeconds"]!;
                var want = expected.GetValueOrDefault(id);
                if (used != want)
                {
                    problems.Add($"{account.Name} workspace {id}: usedSeconds {used}, the benchmark's calls add up to {want} (off by {used - want})");
                }
            }

            // A distributing account's unallocated pool (the pool part of its days) must hold the calls of exactly the
            // workspaces without an allocation.
            var pooled = list.Where(ws => ws!["allocationMinutes"] is null).Select(ws => Guid.Parse((string)ws!["id"]!)).ToList();
            if (pooled.Count > 0)
            {
                var scopes = (await api.ExpectAsync(HttpMethod.Get, $"/api/v1/workspaces/{pooled[0]}/balance", account.ApiKey, null, HttpStatusCode.OK))["scopes"]!.AsArray();
                if (scopes.FirstOrDefault(x => (string?)x!["scope"] == "unallocated_pool") is { } pool)
                {
                    var (poolUsed, poolWant) = ((long)pool["usedSeconds"]!, pooled.Sum(w => expected.GetValueOrDefault(w)));
                    if (poolUsed != poolWant)
                    {
                        problems.Add($"{account.Name}: unallocated pool usedSeconds {poolUsed}, the benchmark's calls of its {pooled.Count} workspaces add up to {poolWant} (off by {poolUsed - poolWant})");
                    }
                }
            }

            // The account's cycle balance (read from its days, not its buckets) must hold every workspace's calls.
            var accountUsed = (long)(await api.ExpectAsync(HttpMethod.Get, "/api/v1/account", account.ApiKey, null, HttpStatusCode.OK))["usedSeconds"]!;
            var accountWant = account.Workspaces.Sum(w => expected.GetValueOrDefault(w));
            if (accountUsed != accountWant)
            {
                problems.Add($"{account.Name}: account usedSeconds {accountUsed}, the benchmark's calls add up to {accountWant} (off by {accountUsed - accountWant})");
            }
        }

        return problems;
    }
}
