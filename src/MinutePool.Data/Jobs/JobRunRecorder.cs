using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Jobs;

namespace MinutePool.Data.Jobs;

/// <summary>Keeps the last run of each job for the Jobs page. Never holds tenant data: errors are counted, details go to the log.</summary>
public sealed class JobRunRecorder(MinutePoolDbContext db)
{
    public async Task RecordAsync(string jobName, DateTimeOffset startedAt, DateTimeOffset finishedAt, bool succeeded, string summary, string? error, CancellationToken cancellationToken = default)
    {
        var run = await db.JobRuns.SingleOrDefaultAsync(r => r.JobName == jobName, cancellationToken);
        if (run is null)
        {
            run = new JobRun { JobName = jobName };
            db.JobRuns.Add(run);
        }

        run.LastStartedAt = startedAt;
        run.LastFinishedAt = finishedAt;
        run.LastSucceeded = succeeded;
        run.LastSummary = summary.Length > 500 ? summary[..500] : summary;
        run.LastError = error;
        run.Runs++;
        await db.SaveChangesAsync(cancellationToken);
    }

    public Task<List<JobRun>> ListAsync(CancellationToken cancellationToken = default) =>
        db.JobRuns.AsNoTracking().OrderBy(r => r.JobName).ToListAsync(cancellationToken);
}
