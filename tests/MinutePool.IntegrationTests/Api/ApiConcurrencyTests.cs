using System.Net.Http.Json;
using System.Text.Json;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

/// <summary>Exactness under concurrent HTTP clients, on PostgreSQL.</summary>
public sealed class ApiConcurrencyTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    private DateTimeOffset Now => _host.Clock.Now;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("huge", 10_000_000);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Fifty_parallel_starts_of_the_same_call_id_create_one_call_and_answer_alike()
    {
        var account = await _host.AccountAsync("huge");
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
            await (await account.StartAsync("same-call", workspace, Now.AddSeconds(-5))).ShouldBeAsync(201))));

        responses.Select(r => r.GetRawText()).Distinct().Should().ContainSingle();
        var page = await account.GetAsync("/api/v1/calls");
        page.GetProperty("items").GetArrayLength().Should().Be(1);
        (await account.GetAsync($"/api/v1/workspaces/{workspace}")).GetProperty("activeCalls").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Twenty_parallel_starts_on_a_workspace_with_limit_one_let_exactly_one_through()
    {
        var account = await _host.AccountAsync("huge");
        var workspace = (await account.CreateWorkspaceAsync("Bridge", concurrentCallLimit: 1)).Id();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
            (int)(await account.StartAsync($"conf-{i}", workspace)).StatusCode)));

        statuses.Count(s => s == 201).Should().Be(1);
        statuses.Count(s => s == 409).Should().Be(19);
        (await account.GetAsync($"/api/v1/workspaces/{workspace}")).GetProperty("activeCalls").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Thirty_two_clients_ending_2000_calls_and_importing_10000_records_with_ten_percent_duplicates_leave_every_balance_exact()
    {
        var account = await _host.AccountAsync("huge", distribution: true);
        var workspaces = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            workspaces.Add((await account.CreateWorkspaceAsync($"ws-{i}", allocationMinutes: i % 2 == 0 ? 100_000 : null)).Id());
        }

        var start = Now.AddHours(-3);
        var liveCalls = Enumerable.Range(0, 2_000).Select(n => (Id: $"live-{n}", Workspace: workspaces[n % 8], Start: start.AddSeconds(n % 3_000), Seconds: 5 + (n % 400))).ToList();
        await ForEachParallelAsync(liveCalls, 32, async call => await (await account.StartAsync(call.Id, call.Workspace, call.Start)).ShouldBeAsync(201));

        var imported = Enumerable.Range(0, 9_000).Select(n => (Id: $"imp-{n}", Workspace: workspaces[(n * 7) % 8], Start: Now.AddDays(-1 - (n % 20)).AddSeconds(n), Seconds: 1 + (n % 900))).ToList();
        var batches = imported.Chunk(900)
            .Select((chunk, b) => chunk.Concat(imported.Skip(((b + 1) % 10) * 900).Take(100)).ToArray())
            .ToList();
        var ends = liveCalls.Select(c => (Func<Task>)(async () =>
            await (await account.EndAsync(c.Id, c.Start.AddSeconds(c.Seconds))).ShouldBeAsync(200)));
        var imports = batches.Select(batch => (Func<Task>)(async () =>
        {
            var body = new { records = batch.Select(r => new { callId = r.Id, workspaceId = r.Workspace, startedAt = r.Start, endedAt = r.Start.AddSeconds(r.Seconds) }) };
            var result = await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", body)).ShouldBeAsync(200);
            result.GetProperty("rejected").GetArrayLength().Should().Be(0);
        }));
        await ForEachParallelAsync(ends.Concat(imports).OrderBy(_ => Random.Shared.Next()).ToList(), 32, work => work());

        var all = liveCalls.Concat(imported).ToList();
        static long Billable(int seconds) => seconds > 30 ? seconds : 0;
        var summary = await account.GetAsync("/api/v1/account");
        summary.GetProperty("usedSeconds").GetInt64().Should().Be(all.Where(c => c.Start >= new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)).Sum(c => Billable(c.Seconds)));
        foreach (var workspace in workspaces)
        {
            var view = await account.GetAsync($"/api/v1/workspaces/{workspace}");
            var period = view.GetProperty("period");
            var (from, to) = (period.GetProperty("start").GetDateTimeOffset(), period.GetProperty("end").GetDateTimeOffset());
            view.GetProperty("usedSeconds").GetInt64().Should().Be(
                all.Where(c => c.Workspace == workspace && c.Start >= from && c.Start < to).Sum(c => Billable(c.Seconds)),
                "workspace {0} must equal the sum of its distinct calls", workspace);
            view.GetProperty("activeCalls").GetInt32().Should().Be(0);
        }
    }

    [Fact]
    public async Task An_end_retried_after_the_client_gave_up_charges_the_call_once()
    {
        var account = await _host.AccountAsync("huge");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var start = Now.AddMinutes(-30);
        for (var i = 0; i < 20; i++)
        {
            await (await account.StartAsync($"retry-{i}", workspace, start)).ShouldBeAsync(201);
        }

        var answers = new List<JsonElement>();
        for (var i = 0; i < 20; i++)
        {
            using (var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(i % 5)))
            {
                try
                {
                    await account.Http.PostAsJsonAsync($"/api/v1/calls/retry-{i}/end", new { endedAt = start.AddSeconds(100 + i) }, giveUp.Token);
                }
                catch (OperationCanceledException)
                {
                    // The client timed out; whether the server finished is unknown to it, so it retries.
                }
            }

            answers.Add(await (await account.EndAsync($"retry-{i}", start.AddSeconds(100 + i))).ShouldBeAsync(200));
        }

        answers.Select(a => a.GetProperty("billableSeconds").GetInt64()).Should().Equal(Enumerable.Range(0, 20).Select(i => 100L + i));
        (await account.GetAsync("/api/v1/account")).GetProperty("usedSeconds").GetInt64().Should().Be(Enumerable.Range(0, 20).Sum(i => 100L + i));
    }

    private static async Task ForEachParallelAsync<T>(IReadOnlyList<T> items, int clients, Func<T, Task> work)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < items.Count)
            {
                await work(items[index]);
            }
        })));
    }
}
