using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;
using MinutePool.Data.Accounts;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Data.Billing;

/// <summary>What one closing run wrote.</summary>
public readonly record struct CloseResult(int Statements, int Amendments);

/// <summary>
/// Closes every ended account cycle and workspace period of the current tenant into statements. It
/// works from the data, not from when it last ran: a late, repeated or first-after-downtime run writes
/// exactly the statements that are missing, and a period whose usage changed after closing (a late
/// record) gets an amendment — a new revision; existing rows are never changed.
/// </summary>
public sealed class StatementCloser(MinutePoolDbContext db, TimeProvider clock)
{
    public async Task<CloseResult> CloseAsync(CancellationToken cancellationToken = default)
    {
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return default;
        }

        var now = clock.GetUtcNow();
        var account = state.Account;
        var calendar = account.CycleCalendar;
        var firstUsage = await db.UsageBuckets.MinAsync(b => (DateOnly?)b.LocalDate, cancellationToken);
        var created = calendar.LocalDateOf(account.CreatedAt);
        var earliest = firstUsage is { } used && used < created ? used : created;
        var latest = (await db.Statements.AsNoTracking().ToListAsync(cancellationToken))
            .GroupBy(s => (s.SubjectId, s.StartDate))
            .ToDictionary(g => g.Key, g => g.MaxBy(s => s.Revision)!);
        var written = new List<Statement>();

        // Account cycles.
        var cycleUsage = new Dictionary<DateOnly, long>();
        for (var cycle = calendar.PeriodContaining(Start(earliest, account.TimeZone)); cycle.End <= now; cycle = calendar.Next(cycle))
        {
            if (IsSettled(latest, account.Id, cycle, now))
            {
                continue;
            }

            var plan = state.Plans.PlanFor(cycle);
            var (seconds, calls) = await BalanceReader.UsageAsync(db, cycle.StartDate, cycle.EndDate, null, cancellationToken);
            cycleUsage[cycle.StartDate] = seconds;
            Consider(written, latest, now, new Statement
            {
                AccountId = account.Id, SubjectId = account.Id, Scope = StatementScope.Account, StartDate = cycle.StartDate, EndDate = cycle.EndDate,
                PeriodStart = cycle.Start, PeriodEnd = cycle.End, PlanCode = plan.Code, AllocatedSeconds = plan.SecondsPerCycle, UsedSeconds = seconds,
                OverageSeconds = StatementRules.Overage(plan.SecondsPerCycle, seconds), Calls = calls, CostShareAmount = plan.PriceAmount, Currency = plan.Currency,
                ClosedAt = now,
            });
        }

        // Workspace periods (archived workspaces too: their history is billed).
        foreach (var workspace in await db.Workspaces.AsNoTracking().ToListAsync(cancellationToken))
        {
            var periods = workspace.PeriodCalendar(account.TimeZone, account.BillingDay);
            var wsCreated = calendar.LocalDateOf(workspace.CreatedAt);
            var wsFirst = await db.UsageBuckets.Where(b => b.WorkspaceId == workspace.Id).MinAsync(b => (DateOnly?)b.LocalDate, cancellationToken);
            var from = wsFirst is { } f && f < wsCreated ? f : wsCreated;
            for (var period = periods.PeriodContaining(Start(from, account.TimeZone)); period.End <= now; period = periods.Next(period))
            {
                if (IsSettled(latest, workspace.Id, period, now))
                {
                    continue;
                }

                var cycle = calendar.PeriodContaining(period.Start);
                var plan = state.Plans.PlanFor(cycle);
                var (seconds, calls) = await BalanceReader.UsageAsync(db, period.StartDate, period.EndDate, workspace.Id, cancellationToken);
                var cycleSeconds = cycleUsage.TryGetValue(cycle.StartDate, out var known)
                    ? known
                    : (await BalanceReader.UsageAsync(db, cycle.StartDate, cycle.EndDate, null, cancellationToken)).Seconds;
                var allocated = account.DistributionEnabled && workspace.AllocationMinutes is { } minutes ? minutes * 60L : 0L;
                Consider(written, latest, now, new Statement
                {
                    AccountId = account.Id, SubjectId = workspace.Id, Scope = StatementScope.Workspace, StartDate = period.StartDate, EndDate = period.EndDate,
                    PeriodStart = period.Start, PeriodEnd = period.End, PlanCode = plan.Code, AllocatedSeconds = allocated, UsedSeconds = seconds,
                    OverageSeconds = allocated > 0 ? StatementRules.Overage(allocated, seconds) : 0, Calls = calls,
                    CostShareAmount = StatementRules.CostShare(plan.PriceAmount, seconds, cycleSeconds), Currency = plan.Currency, ClosedAt = now,
                });
            }
        }

        return await SaveAsync(written, cancellationToken);
    }

    /// <summary>Closed and past the amendment window: no late record can reach it any more, so it is not read again.</summary>
    private static bool IsSettled(Dictionary<(Guid, DateOnly), Statement> latest, Guid subject, Period period, DateTimeOffset now) =>
        latest.ContainsKey((subject, period.StartDate)) && now - period.End > StatementRules.AmendmentWindow;

    /// <summary>Adds the statement if the period has none, or an amendment if its usage changed since.</summary>
    private static void Consider(List<Statement> written, Dictionary<(Guid, DateOnly), Statement> latest, DateTimeOffset now, Statement candidate)
    {
        if (!latest.TryGetValue((candidate.SubjectId, candidate.StartDate), out var closed))
        {
            written.Add(candidate);
        }
        else if (now - candidate.PeriodEnd <= StatementRules.AmendmentWindow && StatementRules.NeedsAmendment(closed, candidate.UsedSeconds, candidate.Calls))
        {
            candidate.Revision = closed.Revision + 1;
            written.Add(candidate);
        }
    }

    private async Task<CloseResult> SaveAsync(List<Statement> written, CancellationToken cancellationToken)
    {
        if (written.Count == 0)
        {
            return default;
        }

        db.Statements.AddRange(written);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseOptions.IsUniqueViolation(e))
        {
            // Another run closed the same periods at the same moment; its rows stand.
            db.ChangeTracker.Clear();
            return default;
        }

        return new CloseResult(written.Count(s => !s.IsAmendment), written.Count(s => s.IsAmendment));
    }

    private static DateTimeOffset Start(DateOnly date, AccountTimeZone zone) => zone.ToInstant(date.ToDateTime(TimeOnly.MinValue));
}
