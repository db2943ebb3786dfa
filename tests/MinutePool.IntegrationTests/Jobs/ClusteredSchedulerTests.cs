using System.Collections.Concurrent;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data;
using MinutePool.IntegrationTests.Infrastructure;
using MinutePool.Web.Jobs;
using Quartz;

namespace MinutePool.IntegrationTests.Jobs;

/// <summary>Two app instances on one PostgreSQL share one clustered schedule: each firing runs on exactly one.</summary>
public sealed class ClusteredSchedulerTests : IAsyncLifetime
{
    private readonly PostgresDatabase _database = new() { Migrate = false };

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task Two_hosts_in_one_cluster_run_each_firing_once()
    {
        ProbeJob.Firings.Clear();
        await using var first = Host("first");
        await using var second = Host("second");
        first.CreateClient().Dispose();
        second.CreateClient().Dispose();

        var scheduler = await first.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(CancellationToken.None);
        var job = JobBuilder.Create<ProbeJob>().WithIdentity("probe").Build();
        var trigger = TriggerBuilder.Create().WithIdentity("probe").StartNow()
            .WithSchedule(SimpleScheduleBuilder.Create().WithInterval(TimeSpan.FromMilliseconds(500)).RepeatForever()).Build();
        await scheduler.ScheduleJob(job, trigger, cancellationToken: CancellationToken.None);

        // Which instance acquires a trigger is Quartz's choice, so "both took part" is made certain: once firings
        // flow, the instance that ran them goes to standby and the other must carry on alone.
        await WaitUntilAsync(() => ProbeJob.Firings.Count >= 10);
        var busiest = ProbeJob.Firings.GroupBy(f => f.Instance).MaxBy(g => g.Count())!.Key;
        var schedulers = new[]
        {
            await first.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(CancellationToken.None),
            await second.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(CancellationToken.None),
        };
        await schedulers.Single(s => s.SchedulerInstanceId == busiest).Standby(CancellationToken.None);
        await WaitUntilAsync(() => ProbeJob.Firings.Count(f => f.Instance != busiest) >= 5);

        await scheduler.DeleteJob(new JobKey("probe"), CancellationToken.None);
        var firings = ProbeJob.Firings.ToList();
        firings.GroupBy(f => f.ScheduledAt).Should().OnlyContain(g => g.Count() == 1, "a firing runs on one instance only");
        firings.Select(f => f.Instance).Distinct().Should().HaveCount(2, "both instances take part in the cluster");

        await using var scope = first.Services.CreateAsyncScope();
        var states = await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Database
            .SqlQueryRaw<string>("SELECT instance_name AS \"Value\" FROM qrtz_scheduler_state").ToListAsync();
        states.Should().HaveCount(2);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the cluster keeps firing");
            await Task.Delay(250);
        }
    }

    private WebApplicationFactory<Program> Host(string name) => AppHosts.OnPostgres(_database.ConnectionString, jobs: true, ("test:instance", name));

    /// <summary>Records which instance ran which scheduled firing.</summary>
    public sealed class ProbeJob : IJob
    {
        public static readonly ConcurrentBag<(DateTimeOffset ScheduledAt, string Instance)> Firings = [];

        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            Firings.Add((context.ScheduledFireTimeUtc ?? context.FireTimeUtc, context.Scheduler.SchedulerInstanceId));
            await Task.Delay(50, cancellationToken);
        }
    }
}
