using MinutePool.Data.Billing;
using MinutePool.Data.Calls;
using MinutePool.Data.Notifications;

namespace MinutePool.Web.Jobs;

/// <summary>Closes ended cycles and periods into statements, and amends them for late records.</summary>
public sealed class CloseStatementsJob(IServiceScopeFactory scopes, TimeProvider clock, ILogger<CloseStatementsJob> logger) : AccountSweepJob(scopes, clock, logger)
{
    public const string JobName = "close-statements";

    public override string Name => JobName;

    protected override string Unit => "statement(s) and amendment(s)";

    protected override async Task<long> RunForAccountAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var result = await services.GetRequiredService<StatementCloser>().CloseAsync(cancellationToken);
        return result.Statements + result.Amendments;
    }
}

/// <summary>Notifies threshold crossings and minute resets.</summary>
public sealed class ThresholdsJob(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ThresholdsJob> logger) : AccountSweepJob(scopes, clock, logger)
{
    public const string JobName = "thresholds";

    public override string Name => JobName;

    protected override string Unit => "notice(s)";

    protected override async Task<long> RunForAccountAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        await services.GetRequiredService<ThresholdWatcher>().CheckAsync(cancellationToken);
}

/// <summary>Ends calls that went silent for longer than the plan's maximum call length.</summary>
public sealed class StaleCallsJob(IServiceScopeFactory scopes, TimeProvider clock, ILogger<StaleCallsJob> logger) : AccountSweepJob(scopes, clock, logger)
{
    public const string JobName = "stale-calls";

    public override string Name => JobName;

    protected override string Unit => "call(s) ended";

    protected override async Task<long> RunForAccountAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        await services.GetRequiredService<StaleCallReaper>().ReapAsync(cancellationToken);
}

/// <summary>
/// Posts queued webhook deliveries of every account. Unlike the sweeps it works from the delivery queue, not per
/// account: each delivery is claimed with a lease, so instances running side by side never post one twice at once.
/// </summary>
[Quartz.DisallowConcurrentExecution]
public sealed class DeliverWebhooksJob(IServiceScopeFactory scopes, TimeProvider clock) : Quartz.IJob
{
    public const string JobName = "webhooks";

    public async ValueTask Execute(Quartz.IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        int attempted;
        await using (var scope = scopes.CreateAsyncScope())
        {
            attempted = await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DeliverDueAsync(cancellationToken);
        }

        await using var recordScope = scopes.CreateAsyncScope();
        await recordScope.ServiceProvider.GetRequiredService<MinutePool.Data.Jobs.JobRunRecorder>()
            .RecordAsync(JobName, started, clock.GetUtcNow(), true, $"{attempted} delivery attempt(s)", null, cancellationToken);
    }
}
