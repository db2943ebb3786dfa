using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Common;
using MinutePool.Data;
using MinutePool.Data.Calls;
using MinutePool.Data.Workspaces;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Concurrency;

/// <summary>Exactness under concurrent writers, on PostgreSQL (the production store).</summary>
public sealed class ConcurrencyTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Twenty_concurrent_allocation_saves_that_each_fit_alone_never_exceed_the_plan_together()
    {
        await _db.PlanAsync("p6000", 6_000);
        var account = await _db.AccountAsync("p6000", distribution: true);
        var workspaces = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            workspaces.Add((await _db.WorkspaceAsync(account, $"ws-{i}")).Workspace.Id);
        }

        var results = await Task.WhenAll(workspaces.Select(async id =>
        {
            await using var scope = _db.Scope(account);
            return await scope.ServiceProvider.GetRequiredService<WorkspaceService>()
                .UpdateAsync(id, new WorkspacePatch(default, default, Optional<int?>.Of(500), default, default), Seed.Actor);
        }));

        results.Count(r => r.IsSuccess).Should().Be(12, "6,000 minutes hold exactly twelve allocations of 500");
        results.Where(r => !r.IsSuccess).Should().OnlyContain(r => r.Error!.Code == ErrorCodes.AllocationExceedsBalance);
        (await _db.SummaryAsync(account)).AllocatedMinutes.Should().Be(6_000);
    }

    [Fact]
    public async Task A_thousand_calls_charged_from_sixteen_parallel_tasks_leave_counters_equal_to_the_sum_of_the_calls()
    {
        await _db.PlanAsync("big", 1_000_000);
        var account = await _db.AccountAsync("big", distribution: true);
        var workspaces = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            workspaces.Add((await _db.WorkspaceAsync(account, $"ws-{i}", allocation: i == 0 ? null : 100_000)).Workspace.Id);
        }

        var start = _db.Clock.Now.AddHours(-1);
        await Task.WhenAll(Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            for (var n = worker; n < 1_000; n += 16)
            {
                var callId = $"call-{n}";
                var workspace = workspaces[n % workspaces.Count];
                Seed.Ok(await _db.StartAsync(account, callId, workspace, start.AddSeconds(n)));
                Seed.Ok(await _db.EndAsync(account, callId, start.AddSeconds(n + 20 + (n % 200))));
            }
        })));

        await AssertBucketsEqualCallsAsync(account);
        var expected = Enumerable.Range(0, 1_000).Select(n => 20L + (n % 200)).Where(d => d > 30).Sum();
        (await _db.SummaryAsync(account)).Balance.UsedSeconds.Should().Be(expected);
        foreach (var workspace in workspaces)
        {
            var view = await _db.WorkspaceAsync(account, workspace);
            view.UsedSeconds.Should().Be(Enumerable.Range(0, 1_000).Where(n => workspaces[n % workspaces.Count] == workspace)
                .Select(n => 20L + (n % 200)).Where(d => d > 30).Sum());
        }
    }

    [Fact]
    public async Task The_same_call_started_ended_and_imported_concurrently_is_created_once_and_charged_once()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100");
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        var start = _db.Clock.Now.AddMinutes(-10);

        var starts = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => _db.StartAsync(account, "same", workspace, start))));
        starts.Should().OnlyContain(r => r.IsSuccess);
        starts.Select(r => r.Value).Distinct().Should().ContainSingle();

        var ends = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => _db.EndAsync(account, "same", start.AddSeconds(100 + i)))));
        ends.Select(r => r.Value).Distinct().Should().ContainSingle();

        var imports = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() =>
            _db.ImportAsync(account, new ImportRecord("imported", workspace, start, start.AddSeconds(90), null)))));
        imports.Sum(i => i.Accepted).Should().Be(1);
        imports.Sum(i => i.Duplicates).Should().Be(9);

        (await _db.SummaryAsync(account)).Balance.UsedSeconds.Should().Be(ends[0].Value.BillableSeconds + 90);
        await AssertBucketsEqualCallsAsync(account);
    }

    [Fact]
    public async Task Twenty_parallel_starts_on_a_workspace_with_limit_one_let_exactly_one_through()
    {
        await _db.PlanAsync("p100", 100);
        var account = await _db.AccountAsync("p100");
        var workspace = (await _db.WorkspaceAsync(account, concurrentCallLimit: 1)).Workspace.Id;

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(() => _db.StartAsync(account, $"conf-{i}", workspace))));

        results.Count(r => r.IsSuccess).Should().Be(1);
        results.Where(r => !r.IsSuccess).Should().OnlyContain(r => r.Error!.Code == ErrorCodes.ConcurrentCallLimit);
    }

    [Fact]
    public async Task Parallel_batch_imports_with_ten_percent_duplicates_charge_every_distinct_call_once()
    {
        await _db.PlanAsync("big", 1_000_000);
        var account = await _db.AccountAsync("big");
        var workspaces = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            workspaces.Add((await _db.WorkspaceAsync(account, $"ws-{i}")).Workspace.Id);
        }

        var start = _db.Clock.Now.AddDays(-2);
        ImportRecord Record(int n) => new($"imp-{n}", workspaces[n % 3], start.AddSeconds(n), start.AddSeconds(n + 25 + (n % 300)), null);
        var batches = Enumerable.Range(0, 10).Select(b =>
            Enumerable.Range(b * 500, 500).Select(Record)
                .Concat(Enumerable.Range(0, 50).Select(d => Record(((b + 1) % 10 * 500) + d)))
                .ToArray()).ToList();

        var results = await Task.WhenAll(batches.Select(batch => Task.Run(() => _db.ImportAsync(account, batch))));

        results.Sum(r => r.Accepted).Should().Be(5_000);
        results.Sum(r => r.Duplicates).Should().Be(500);
        var expected = Enumerable.Range(0, 5_000).Select(n => 25L + (n % 300)).Where(d => d > 30).Sum();
        (await _db.SummaryAsync(account)).Balance.UsedSeconds.Should().Be(expected);
        await AssertBucketsEqualCallsAsync(account);
    }

    /// <summary>Every usage bucket equals the sum of the billable seconds of the calls it covers.</summary>
    private async Task AssertBucketsEqualCallsAsync(Guid account)
    {
        await using var scope = _db.Scope(account);
        var context = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        var fromCalls = await context.Calls.Where(c => c.EndedAt != null)
            .GroupBy(c => new { c.WorkspaceId, c.LocalDate })
            .Select(g => new { g.Key.WorkspaceId, g.Key.LocalDate, Seconds = g.Sum(c => c.BillableSeconds!.Value), Calls = (long)g.Count() })
            .ToListAsync();
        var fromBuckets = await context.UsageBuckets
            .GroupBy(b => new { b.WorkspaceId, b.LocalDate })
            .Select(g => new { g.Key.WorkspaceId, g.Key.LocalDate, Seconds = g.Sum(b => b.BilledSeconds), Calls = g.Sum(b => b.Calls) })
            .ToListAsync();
        fromBuckets.Should().BeEquivalentTo(fromCalls);
    }
}
