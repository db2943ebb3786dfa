using MinutePool.Core.Workspaces;

namespace MinutePool.Core.Billing;

/// <summary>
/// One active workspace's recent usage, as the suggestion rule reads it.
/// <paramref name="ClosedPeriodSeconds"/> holds the billed seconds of its ended periods, most recent
/// first (only the first <see cref="AllocationSuggestions.PeriodsConsidered"/> count; an empty list means
/// the workspace has no history yet). <paramref name="CurrentPeriodSeconds"/> is what it has used so far
/// in the period that is running now.
/// </summary>
public sealed record WorkspaceUsageHistory(Guid WorkspaceId, int? CurrentAllocationMinutes, IReadOnlyList<long> ClosedPeriodSeconds, long CurrentPeriodSeconds);

/// <summary>Why a suggestion has the value it has.</summary>
public enum SuggestionBasis
{
    /// <summary>From the workspace's recent periods (peak plus headroom).</summary>
    History,

    /// <summary>No ended period yet: the current allocation is kept (none stays none).</summary>
    NoHistory,
}

/// <summary>
/// A suggested allocation. <see cref="SuggestedMinutes"/> null means "no allocation: draw on the
/// unallocated pool". <see cref="UnscaledMinutes"/> is the value before fitting to the plan.
/// </summary>
public sealed record AllocationSuggestion(Guid WorkspaceId, int? CurrentAllocationMinutes, int? UnscaledMinutes, int? SuggestedMinutes, SuggestionBasis Basis)
{
    /// <summary>Suggested minus current, counting "no allocation" as 0.</summary>
    public long DifferenceMinutes => (long)(SuggestedMinutes ?? 0) - (CurrentAllocationMinutes ?? 0);
}

/// <summary>The suggestions for an account, in input order, and whether they had to be scaled to fit the plan.</summary>
public sealed record AllocationSuggestionSet(IReadOnlyList<AllocationSuggestion> Suggestions, int PlanMinutes, bool Scaled)
{
    /// <summary>Sum of the suggested allocations; never above <see cref="PlanMinutes"/>.</summary>
    public long TotalMinutes => Suggestions.Sum(s => (long)(s.SuggestedMinutes ?? 0));

    /// <summary>What the suggestions leave for workspaces without an allocation.</summary>
    public long UnallocatedMinutes => PlanMinutes - TotalMinutes;
}

/// <summary>
/// Suggested monthly allocations from history (DESIGN.md, Finance: "a standard allocation per workspace
/// from its recent periods, scaled to fit the plan"). The rule, per active workspace:
/// <list type="number">
/// <item><b>Peak.</b> The highest usage of its last <see cref="PeriodsConsidered"/> ended periods, in
/// whole minutes rounded up. With three samples a high percentile (p90 by nearest rank) is the maximum, so
/// the maximum is used. The usage of the running period so far is a floor: a workspace that has already
/// used more this period than in any recent one would otherwise be suggested into overage at once.</item>
/// <item><b>Headroom.</b> Peak plus <see cref="HeadroomPercent"/> %, rounded up to a whole
/// <see cref="RoundingStepMinutes"/> minutes, and at least <see cref="MinimumMinutes"/> so that a quiet
/// workspace is not locked out (an allocation of 0 refuses every call). Capped at
/// <see cref="AllocationPolicy.MaxAllocationMinutes"/>.</item>
/// <item><b>No history.</b> A workspace with no ended period keeps its current allocation, and one
/// without an allocation keeps drawing on the unallocated pool: there is nothing to base a number on, and
/// an equal share of the rest would hand the whole plan out on a guess.</item>
/// <item><b>Fit.</b> Kept allocations are reserved first; the history-based ones share what is left. If
/// they add up to more, each is scaled by room ÷ total, rounded down, and the minutes left by rounding go
/// one each to the largest remainders (ties: the larger unscaled value, then input order), so together
/// they fill the room exactly. Reserving the kept ones makes applying twice change nothing the second
/// time (scaling them too would shrink a new workspace's allocation on every apply). Only if the kept
/// allocations alone exceed the plan (which allocation saves never allow) are they scaled the same way,
/// and the history-based ones get 0. Scaling never raises a value above its unscaled one.</item>
/// </list>
/// Every suggestion is therefore 0 to <see cref="AllocationPolicy.MaxAllocationMinutes"/> whole minutes,
/// and their sum never exceeds the plan's minutes, so applying them passes <see cref="AllocationPolicy.Check"/>.
/// </summary>
public static class AllocationSuggestions
{
    public const int PeriodsConsidered = 3;

    public const int HeadroomPercent = 10;

    public const int RoundingStepMinutes = 10;

    public const int MinimumMinutes = 10;

    /// <param name="workspaces">The account's active workspaces; ids must be distinct.</param>
    /// <param name="planMinutes">The minutes the allocations may add up to (the smaller of the plan in force and a scheduled one).</param>
    public static AllocationSuggestionSet Suggest(IReadOnlyList<WorkspaceUsageHistory> workspaces, int planMinutes)
    {
        ArgumentNullException.ThrowIfNull(workspaces);
        ArgumentOutOfRangeException.ThrowIfNegative(planMinutes);
        if (workspaces.Select(w => w.WorkspaceId).Distinct().Count() != workspaces.Count)
        {
            throw new ArgumentException("Each workspace may appear once.", nameof(workspaces));
        }

        var unscaled = workspaces.Select(Unscaled).ToArray();
        var basis = workspaces.Select(w => w.ClosedPeriodSeconds.Count == 0 ? SuggestionBasis.NoHistory : SuggestionBasis.History).ToArray();
        var fitted = (int?[])unscaled.Clone();
        var kept = Enumerable.Range(0, fitted.Length).Where(i => basis[i] == SuggestionBasis.NoHistory && fitted[i] is not null).ToList();
        var fromHistory = Enumerable.Range(0, fitted.Length).Where(i => basis[i] == SuggestionBasis.History).ToList();

        FitInto(fitted, kept, planMinutes);
        FitInto(fitted, fromHistory, planMinutes - kept.Sum(i => (long)fitted[i]!.Value));

        var suggestions = new AllocationSuggestion[workspaces.Count];
        for (var i = 0; i < workspaces.Count; i++)
        {
            suggestions[i] = new AllocationSuggestion(workspaces[i].WorkspaceId, workspaces[i].CurrentAllocationMinutes, unscaled[i], fitted[i], basis[i]);
        }

        return new AllocationSuggestionSet(suggestions, planMinutes, Scaled: !fitted.SequenceEqual(unscaled));
    }

    /// <summary>Peak of the recent periods plus headroom, before fitting to the plan.</summary>
    public static int? Unscaled(WorkspaceUsageHistory workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if (workspace.CurrentPeriodSeconds < 0 || workspace.ClosedPeriodSeconds.Any(s => s < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(workspace), "Usage is never negative.");
        }

        if (workspace.ClosedPeriodSeconds.Count == 0)
        {
            return workspace.CurrentAllocationMinutes is { } kept ? Math.Clamp(kept, 0, AllocationPolicy.MaxAllocationMinutes) : null;
        }

        var peakSeconds = Math.Max(workspace.ClosedPeriodSeconds.Take(PeriodsConsidered).Max(), workspace.CurrentPeriodSeconds);

        // Capping before the arithmetic keeps it far from overflow; the cap is a multiple of the step.
        var peak = Math.Min(CeilDiv(peakSeconds, 60), AllocationPolicy.MaxAllocationMinutes);
        var withHeadroom = CeilDiv(peak * (100 + HeadroomPercent), 100);
        var rounded = CeilDiv(withHeadroom, RoundingStepMinutes) * RoundingStepMinutes;
        return (int)Math.Clamp(rounded, MinimumMinutes, AllocationPolicy.MaxAllocationMinutes);
    }

    /// <summary>
    /// Scales the values at <paramref name="indices"/> down to add up to exactly <paramref name="room"/> when
    /// they exceed it: largest-remainder apportionment in proportion to their values.
    /// </summary>
    private static void FitInto(int?[] values, IReadOnlyList<int> indices, long room)
    {
        var total = indices.Sum(i => (long)values[i]!.Value);
        if (total <= room)
        {
            return;
        }

        var remainders = new List<(int Index, long Remainder, int Unscaled)>(indices.Count);
        long given = 0;
        foreach (var i in indices)
        {
            // value ≤ 10^8 and room < 2^31, so the product fits in a long.
            var value = values[i]!.Value;
            var share = value * room;
            values[i] = (int)(share / total);
            given += values[i]!.Value;
            remainders.Add((i, share % total, value));
        }

        foreach (var (index, _, _) in remainders
                     .OrderByDescending(r => r.Remainder)
                     .ThenByDescending(r => r.Unscaled)
                     .ThenBy(r => r.Index)
                     .Take((int)(room - given)))
        {
            values[index]++;
        }
    }

    /// <summary>Rounds up without adding first, so a huge usage figure cannot overflow.</summary>
    private static long CeilDiv(long value, long divisor) => (value / divisor) + (value % divisor == 0 ? 0 : 1);
}
