using MinutePool.Data.Infrastructure;
using Quartz;

namespace MinutePool.Web.Jobs;

/// <summary>The <c>MinutePool:Jobs</c> configuration section.</summary>
public sealed class JobOptions
{
    public const string Section = "MinutePool:Jobs";

    public bool Enabled { get; set; } = true;

    public int CloseStatementsSeconds { get; set; } = 900;

    public int ThresholdsSeconds { get; set; } = 60;

    public int StaleCallsSeconds { get; set; } = 300;

    public int WebhooksSeconds { get; set; } = 15;
}

/// <summary>
/// Quartz.NET: the in-memory store with SQLite (one process), and on PostgreSQL the clustered ADO store
/// (tables provisioned by Quartz itself), so several app instances share one schedule and each firing runs on
/// one of them. Jobs must stay correct when they run late, twice or after downtime — they work from the
/// data, not from when they last ran.
/// </summary>
public static class JobScheduling
{
    public static readonly IReadOnlyList<(string Name, string Description)> Catalogue =
    [
        (CloseStatementsJob.JobName, "Closes ended billing cycles and workspace periods into statements; amends them for late records."),
        (ThresholdsJob.JobName, "Notifies usage thresholds (default 80 % and 100 %) and minute resets."),
        (StaleCallsJob.JobName, "Ends calls with no end and no heartbeat within the plan's maximum call length."),
        (DeliverWebhooksJob.JobName, "Posts queued notifications to each account's webhook, retrying failures with back-off."),
    ];

    public static void AddMinutePoolJobs(this IHostApplicationBuilder builder, DatabaseProvider provider, string connectionString, JobOptions options)
    {
        if (!options.Enabled)
        {
            return;
        }

        builder.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = "MinutePool";
                scheduler.GenerateInstanceId = true;
            });
            if (provider == DatabaseProvider.Postgres)
            {
                quartz.UsePersistentStore(store =>
                {
                    store.UsePostgres(connectionString);

                    // Quartz creates the tables of its ADO store when they are missing and validates them
                    // at start-up; its schema moves with its releases, so it is not copied into our migrations.
                    store.ProvisionSchema();
                    store.UseSystemTextJsonSerializer(_ => { });
                    store.UseClustering(cluster =>
                    {
                        cluster.CheckinInterval = TimeSpan.FromSeconds(10);
                        cluster.CheckinMisfireThreshold = TimeSpan.FromSeconds(20);
                    });
                });
            }
            else
            {
                quartz.UseInMemoryStore(_ => { });
            }

            Every<CloseStatementsJob>(quartz, CloseStatementsJob.JobName, options.CloseStatementsSeconds);
            Every<ThresholdsJob>(quartz, ThresholdsJob.JobName, options.ThresholdsSeconds);
            Every<StaleCallsJob>(quartz, StaleCallsJob.JobName, options.StaleCallsSeconds);
            Every<DeliverWebhooksJob>(quartz, DeliverWebhooksJob.JobName, options.WebhooksSeconds);
        });
        builder.AddQuartzHostedService(hosted => hosted.WaitForJobsToComplete = true);
    }

    private static void Every<TJob>(IQuartzBuilder quartz, string name, int seconds)
        where TJob : IJob =>
        quartz.ScheduleJob<TJob>(
            trigger => trigger.WithIdentity(name).StartNow().WithSchedule(SimpleScheduleBuilder.Create().WithInterval(TimeSpan.FromSeconds(seconds)).RepeatForever()),
            job => job.WithIdentity(name).DisallowConcurrentExecution(true));
}
