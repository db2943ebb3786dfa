using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Core.Notifications;
using MinutePool.Data.Accounts;
using MinutePool.Data.Billing;

namespace MinutePool.Data.Notifications;

/// <summary>
/// For the current tenant: notifies each threshold crossing once per scope and period (the dedup key
/// names threshold, scope, subject and period start), and a "minutes reset" notice when a new period
/// starts for a scope that crossed a threshold in the one before.
/// </summary>
public sealed class ThresholdWatcher(MinutePoolDbContext db, NotificationPublisher publisher, TimeProvider clock)
{
    public async Task<int> CheckAsync(CancellationToken cancellationToken = default)
    {
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return 0;
        }

        var now = clock.GetUtcNow();
        var thresholds = ThresholdRules.Parse(state.Account.ThresholdPercents);
        var account = BalanceRules.AccountScope(state, now);
        var scopes = new List<(ScopeDefinition Scope, Guid Subject, string Name, PeriodCalendar Calendar)>
        {
            (account, state.Account.Id, "the account", state.Account.CycleCalendar),
        };
        if (state.Account.DistributionEnabled)
        {
            scopes.Add((account with { Scope = BalanceScope.UnallocatedPool, TotalSeconds = state.UnallocatedMinutes(account.Period) * 60L, Usage = UsageSelector.WorkspacesWithoutAllocation },
                state.Account.Id, "the unallocated pool", state.Account.CycleCalendar));
            foreach (var workspace in await db.Workspaces.AsNoTracking().Where(w => w.ArchivedAt == null && w.AllocationMinutes != null).ToListAsync(cancellationToken))
            {
                var calendar = workspace.PeriodCalendar(state.Account.TimeZone, state.Account.BillingDay);
                var period = calendar.PeriodContaining(now);
                scopes.Add((new ScopeDefinition(BalanceScope.Workspace, period, workspace.AllocationMinutes!.Value * 60L, UsageSelector.Workspace, workspace.Id),
                    workspace.Id, $"workspace {workspace.Name}", calendar));
            }
        }

        var published = 0;
        foreach (var (scope, subject, name, calendar) in scopes)
        {
            var balance = await BalanceReader.EvaluateAsync(db, scope, cancellationToken);
            var scopeName = ScopeNames.Of(scope.Scope);
            foreach (var percent in ThresholdRules.Crossed(thresholds, balance.UsedSeconds, balance.TotalSeconds))
            {
                var draft = new NoticeDraft(
                    $"threshold:{percent}:{scopeName}:{subject}:{scope.Period.StartDate:yyyy-MM-dd}",
                    "threshold.crossed",
                    $"{Capitalised(name)} has used {percent} % of its minutes",
                    $"{balance.UsedSeconds / 60:N0} of {balance.TotalSeconds / 60:N0} minutes used in the period that started {scope.Period.StartDate:yyyy-MM-dd}.",
                    new { scope = scopeName, subjectId = subject, percent, usedSeconds = balance.UsedSeconds, totalSeconds = balance.TotalSeconds, periodStart = scope.Period.Start, periodEnd = scope.Period.End });
                published += await publisher.PublishAsync(state.Account.Id, draft, cancellationToken) ? 1 : 0;
            }

            var previous = calendar.Previous(scope.Period).StartDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var suffix = $":{scopeName}:{subject}:{previous}";
            if (await db.Notifications.AnyAsync(n => n.DedupKey.StartsWith("threshold:") && n.DedupKey.EndsWith(suffix), cancellationToken))
            {
                var draft = new NoticeDraft(
                    $"reset:{scopeName}:{subject}:{scope.Period.StartDate:yyyy-MM-dd}",
                    "minutes.reset",
                    $"Minutes reset for {name}",
                    $"A new period started on {scope.Period.StartDate:yyyy-MM-dd} with {balance.TotalSeconds / 60:N0} minutes.",
                    new { scope = scopeName, subjectId = subject, periodStart = scope.Period.Start, periodEnd = scope.Period.End, totalSeconds = balance.TotalSeconds });
                published += await publisher.PublishAsync(state.Account.Id, draft, cancellationToken) ? 1 : 0;
            }
        }

        return published;
    }

    private static string Capitalised(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
