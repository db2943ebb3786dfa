using Microsoft.EntityFrameworkCore;
using MinutePool.Data;
using MinutePool.Data.Jobs;
using MinutePool.Data.Tenancy;
using Quartz;

namespace MinutePool.Web.Jobs;

/// <summary>
/// A job that does its work once per account. There is no HTTP tenant in a job, so each account gets a
/// scope of its own with the tenant set explicitly; one account's failure is logged and does not stop
/// the others. The run is recorded for the Jobs page without any tenant detail.
/// </summary>
public abstract class AccountSweepJob(IServiceScopeFactory scopes, TimeProvider clock, ILogger logger) : IJob
{
    /// <summary>The job's stable name (its Quartz identity and its row on the Jobs page).</summary>
    public abstract string Name { get; }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow();
        List<Guid> accounts;
        await using (var scope = scopes.CreateAsyncScope())
        {
            using var acrossAccounts = scope.ServiceProvider.GetRequiredService<TenantContext>().AcrossAccounts();
            accounts = await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Accounts.IgnoreQueryFilters()
                .Select(a => a.Id).ToListAsync(cancellationToken);
        }

        long done = 0;
        var failed = 0;
        foreach (var accountId in accounts)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                scope.ServiceProvider.GetRequiredService<TenantContext>().Set(accountId);
                done += await RunForAccountAsync(scope.ServiceProvider, cancellationToken);
            }
#pragma warning disable CA1031 // One account's failure must not stop the sweep; it is logged with its account.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                failed++;
                logger.LogError(e, "Job {Job} failed for account {AccountId}", Name, accountId);
            }
        }

        await RecordAsync(started, failed == 0, $"{accounts.Count} account(s), {done} {Unit}", failed == 0 ? null : $"failed for {failed} account(s); see the server log", cancellationToken);
    }

    /// <summary>What the count returned by <see cref="RunForAccountAsync"/> counts, for the summary.</summary>
    protected abstract string Unit { get; }

    protected abstract Task<long> RunForAccountAsync(IServiceProvider services, CancellationToken cancellationToken);

    protected async Task RecordAsync(DateTimeOffset started, bool succeeded, string summary, string? error, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<JobRunRecorder>().RecordAsync(Name, started, clock.GetUtcNow(), succeeded, summary, error, cancellationToken);
    }
}
