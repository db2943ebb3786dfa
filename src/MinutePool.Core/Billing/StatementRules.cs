namespace MinutePool.Core.Billing;

/// <summary>What goes into a statement, and when a closed one needs an amendment.</summary>
public static class StatementRules
{
    /// <summary>Late records may start this far back, so periods that ended within it can still change.</summary>
    public static readonly TimeSpan AmendmentWindow = TimeSpan.FromDays(36);

    public static long Overage(long allocatedSeconds, long usedSeconds) => Math.Max(0, usedSeconds - allocatedSeconds);

    /// <summary>
    /// A workspace's share of the plan price: the price split by billable seconds of the account cycle
    /// (<paramref name="workspaceSeconds"/> of <paramref name="cycleSeconds"/>), rounded to the cent.
    /// </summary>
    public static decimal CostShare(decimal price, long workspaceSeconds, long cycleSeconds) =>
        cycleSeconds <= 0 ? 0m : decimal.Round(price * workspaceSeconds / cycleSeconds, 2, MidpointRounding.AwayFromZero);

    /// <summary>A closed period needs an amendment when its usage no longer matches the latest revision.</summary>
    public static bool NeedsAmendment(Statement latest, long usedSeconds, long calls) => latest.UsedSeconds != usedSeconds || latest.Calls != calls;
}
