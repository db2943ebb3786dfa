namespace MinutePool.Core.Billing;

public enum StatementScope
{
    /// <summary>An account billing cycle.</summary>
    Account,

    /// <summary>A workspace reset period.</summary>
    Workspace,

    /// <summary>One workspace's line of an account cycle's statement (the bill broken down by sub-account).</summary>
    CycleLine,
}

/// <summary>
/// The immutable record of an ended period: an account cycle or a workspace period. Rows are never
/// updated; a late usage record for a closed period produces a new <see cref="Revision"/> (an amendment).
/// Keyed by (account, subject, scope, start date, revision), so closing a period twice writes it once.
/// An account cycle's statement comes with one <see cref="StatementScope.CycleLine"/> per workspace, of the
/// same revision, frozen at closing: the cycle's bill broken down by sub-account.
/// </summary>
public sealed class Statement
{
    public Guid AccountId { get; set; }

    /// <summary>The account id for an account cycle, the workspace id for a workspace period or a cycle line.</summary>
    public Guid SubjectId { get; set; }

    public StatementScope Scope { get; set; }

    public DateOnly StartDate { get; set; }

    public int Revision { get; set; } = 1;

    public DateOnly EndDate { get; set; }

    public DateTimeOffset PeriodStart { get; set; }

    public DateTimeOffset PeriodEnd { get; set; }

    public string PlanCode { get; set; } = "";

    /// <summary>The minutes the period held, in seconds (plan minutes, or the workspace allocation; 0 for none).</summary>
    public long AllocatedSeconds { get; set; }

    public long UsedSeconds { get; set; }

    public long OverageSeconds { get; set; }

    public long Calls { get; set; }

    /// <summary>Share of the plan's price: the whole price for an account cycle; for a workspace, the price split by billable seconds of the cycle it ended in.</summary>
    public decimal CostShareAmount { get; set; }

    public string Currency { get; set; } = "USD";

    public DateTimeOffset ClosedAt { get; set; }

    public bool IsAmendment => Revision > 1;
}
