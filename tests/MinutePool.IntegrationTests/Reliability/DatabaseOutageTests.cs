using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Reliability;

/// <summary>
/// The database goes away in the middle of a load of call starts, ends and batch imports (every connection
/// killed, new ones refused), then comes back. While it is away the API answers 503 with a problem document
/// and the readiness check fails; afterwards the same app, not restarted, serves again, every acknowledged
/// record is there, and the clients' retries of the same ids charged nothing twice.
/// </summary>
public sealed class DatabaseOutageTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 15, 12, 0, 0, TimeSpan.Zero);

    private readonly ApiHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Acknowledged_records_survive_an_outage_retries_charge_once_and_the_app_recovers_without_a_restart()
    {
        _host.Clock.Now = Now;
        await _host.PlanAsync("big", 1_000_000);
        var account = await _host.AccountAsync("big");
        var workspaces = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            workspaces.Add((await account.CreateWorkspaceAsync($"W{i}")).GetProperty("id").GetGuid());
        }

        var acknowledged = new ConcurrentDictionary<string, long>(); // call id → billable seconds the API confirmed
        var outageAnswers = new ConcurrentBag<HttpStatusCode>();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 3).Select(w => Task.Run(() => LiveCallsAsync(account.Http, workspaces, w, acknowledged, outageAnswers, stop.Token))).ToList();
        workers.Add(Task.Run(() => ImportsAsync(account.Http, workspaces, acknowledged, outageAnswers, stop.Token)));

        await WaitUntilAsync(() => acknowledged.Count >= 60);
        var name = new NpgsqlConnectionStringBuilder(_host.Database.ConnectionString).Database!;
        await Sql.ExecuteAsync(PostgresDatabase.ServerConnectionString, $"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false");
        await Sql.ExecuteAsync(PostgresDatabase.ServerConnectionString, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()");
        try
        {
            // Down: a problem document with 503, and not ready.
            using var probe = _host.Client();
            using var ready = await probe.GetAsync("/health/ready");
            ready.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            using var refused = await account.Http.GetAsync("/api/v1/account");
            await refused.ShouldBeProblemAsync(503, "service_unavailable");
            refused.Headers.RetryAfter.Should().NotBeNull();
            var countAtOutage = acknowledged.Count;
            await Task.Delay(TimeSpan.FromSeconds(2));
            acknowledged.Count.Should().BeLessThanOrEqualTo(countAtOutage + 3, "nothing is acknowledged while the database is away (a few were in flight)");
        }
        finally
        {
            await Sql.ExecuteAsync(PostgresDatabase.ServerConnectionString, $"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true");
        }

        var afterOutage = acknowledged.Count;
        await WaitUntilAsync(() => acknowledged.Count >= afterOutage + 60);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        outageAnswers.Should().NotBeEmpty("the workers met the outage").And.OnlyContain(s => s == HttpStatusCode.ServiceUnavailable);
        var stored = await account.GetAsync("/api/v1/account");
        stored.GetProperty("usedSeconds").GetInt64().Should().Be(acknowledged.Values.Sum(), "every acknowledged call is charged exactly once");
        long perWorkspace = 0;
        foreach (var workspace in workspaces)
        {
            perWorkspace += (await account.GetAsync($"/api/v1/workspaces/{workspace}")).GetProperty("usedSeconds").GetInt64();
        }

        perWorkspace.Should().Be(acknowledged.Values.Sum());
        (await CountCallsAsync(account.Http)).Should().Be(acknowledged.Count, "each call id is stored once");
        output.WriteLine($"records acknowledged: {acknowledged.Count} ({acknowledged.Keys.Count(k => k.StartsWith("live", StringComparison.Ordinal))} live calls, rest imported); " +
                         $"answers during the outage: {outageAnswers.Count} × 503; billable seconds acknowledged = stored = {acknowledged.Values.Sum()}; lost: 0");
    }

    /// <summary>Start, then end, each call; a failed attempt is retried with the same id until the API answers.</summary>
    private static async Task LiveCallsAsync(HttpClient http, List<Guid> workspaces, int worker, ConcurrentDictionary<string, long> acknowledged, ConcurrentBag<HttpStatusCode> outage, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var id = $"live-{worker}-{n}";
            var started = Now.AddHours(-6).AddSeconds(worker * 5_000 + n * 2);
            await RetryAsync(() => http.PostAsJsonAsync("/api/v1/calls", new { callId = id, workspaceId = workspaces[n % workspaces.Count], startedAt = started }), outage);
            var ended = await RetryAsync(() => http.PostAsJsonAsync($"/api/v1/calls/{id}/end", new { endedAt = started.AddSeconds(60 + n % 50) }), outage);
            acknowledged[id] = ended.GetProperty("billableSeconds").GetInt64();
        }
    }

    /// <summary>Batches of 50 finished calls, retried whole until acknowledged; a retried batch finds its calls as duplicates.</summary>
    private static async Task ImportsAsync(HttpClient http, List<Guid> workspaces, ConcurrentDictionary<string, long> acknowledged, ConcurrentBag<HttpStatusCode> outage, CancellationToken stop)
    {
        for (var batch = 0; !stop.IsCancellationRequested; batch++)
        {
            var records = Enumerable.Range(0, 50).Select(i =>
            {
                var started = Now.AddDays(-3).AddSeconds(batch * 1_000 + i * 10);
                return new { callId = $"import-{batch}-{i}", workspaceId = workspaces[i % workspaces.Count], startedAt = started, endedAt = started.AddSeconds(45 + i) };
            }).ToList();
            var answer = await RetryAsync(() => http.PostAsJsonAsync("/api/v1/usage-records", new { records }), outage);
            (answer.GetProperty("accepted").GetInt32() + answer.GetProperty("duplicates").GetInt32()).Should().Be(50);
            answer.GetProperty("rejected").GetArrayLength().Should().Be(0);
            foreach (var record in records)
            {
                acknowledged[record.callId] = (long)(record.endedAt - record.startedAt).TotalSeconds;
            }
        }
    }

    private static async Task<JsonElement> RetryAsync(Func<Task<HttpResponseMessage>> send, ConcurrentBag<HttpStatusCode> outage)
    {
        var last = "";
        for (var attempt = 0; ; attempt++)
        {
            attempt.Should().BeLessThan(400, "the app recovers within a minute of the database coming back; the last answer was {0}", last);
            using var response = await send();
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadFromJsonAsync<JsonElement>();
            }

            outage.Add(response.StatusCode);
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            ((int)response.StatusCode).Should().BeGreaterThanOrEqualTo(500, "only an outage is retried; the answer was {0}", last);
            await Task.Delay(150);
        }
    }

    private static async Task<long> CountCallsAsync(HttpClient http)
    {
        long count = 0;
        string? cursor = null;
        do
        {
            var page = await (await http.GetAsync($"/api/v1/calls?limit=1000{(cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))}")).ShouldBeAsync(200);
            count += page.GetProperty("items").GetArrayLength();
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);
        return count;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the load makes progress");
            await Task.Delay(50);
        }
    }
}
