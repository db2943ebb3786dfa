using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Core.Plans;

namespace MinutePool.Core.Accounts;

public enum PlanChangeTiming
{
    Immediate,
    NextCycle,
}

/// <summary>An accepted plan change: what to record and what to tell the user.</summary>
public sealed record PlanChangeDecision(Plan Plan, PlanChangeTiming Timing, DateTimeOffset EffectiveAt);

/// <summary>
/// An account's plans over time. A cycle is governed by the latest change that takes effect before the
/// cycle ends: an upgrade made in the middle of a cycle therefore gives that whole cycle the new plan's
/// full complement, while a downgrade recorded for the next cycle's start leaves the current one alone.
/// </summary>
public sealed class PlanSchedule
{
    private readonly List<(DateTimeOffset EffectiveAt, Plan Plan)> _changes;

    public PlanSchedule(IEnumerable<(DateTimeOffset EffectiveAt, Plan Plan)> changes)
    {
        _changes = changes.OrderBy(c => c.EffectiveAt).ToList();
        if (_changes.Count == 0)
        {
            throw new ArgumentException("An account always has a plan.", nameof(changes));
        }
    }

    /// <summary>The plan that governs a cycle. Cycles before the account's first plan use that plan.</summary>
    public Plan PlanFor(Period cycle)
    {
        var governing = _changes[0].Plan;
        foreach (var (effectiveAt, plan) in _changes)
        {
            if (effectiveAt < cycle.End)
            {
                governing = plan;
            }
        }

        return governing;
    }

    /// <summary>A change recorded to take effect after <paramref name="now"/>, if any.</summary>
    public (DateTimeOffset EffectiveAt, Plan Plan)? PendingAfter(DateTimeOffset now)
    {
        var pending = _changes.LastOrDefault(c => c.EffectiveAt > now);
        return pending.Plan is null ? null : pending;
    }

    /// <summary>
    /// Decides a requested plan change (DESIGN.md, "Plans and billing cycles"): more minutes is an
    /// upgrade, effective at once for the whole current cycle; otherwise it is a downgrade that starts
    /// with the next cycle, refused while the workspaces' allocations exceed the new plan. Asking for the
    /// plan already in force cancels a pending change.
    /// </summary>
    public static Result<PlanChangeDecision> Decide(Plan current, Plan requested, Period currentCycle, long allocatedMinutes, DateTimeOffset now)
    {
        if (requested.Id == current.Id)
        {
            return new PlanChangeDecision(requested, PlanChangeTiming.Immediate, now);
        }

        if (requested.MinutesPerCycle > current.MinutesPerCycle)
        {
            return new PlanChangeDecision(requested, PlanChangeTiming.Immediate, now);
        }

        if (allocatedMinutes > requested.MinutesPerCycle)
        {
            return new DomainError(
                    ErrorCodes.AllocationsExceedPlan,
                    $"Workspace allocations add up to {allocatedMinutes:N0} minutes, more than the {requested.MinutesPerCycle:N0} of plan '{requested.Code}'. Lower them first.",
                    "planCode")
                .With("allocatedMinutes", allocatedMinutes)
                .With("planMinutes", requested.MinutesPerCycle);
        }

        return new PlanChangeDecision(requested, PlanChangeTiming.NextCycle, currentCycle.End);
    }
}
