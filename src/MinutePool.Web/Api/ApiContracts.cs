using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Core.Plans;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Accounts;
using MinutePool.Data.Calls;
using MinutePool.Data.Workspaces;

namespace MinutePool.Web.Api;

// The wire shapes of shared/API.md. Request members are nullable so that a missing field is reported by
// name (validation_failed) instead of failing deserialisation with a generic message.

public sealed record MoneyDto(decimal Amount, string Currency);

public sealed record CreatePlanRequest(string? Code, string? Name, int? MinutesPerCycle, MoneyDto? Price, int? BillingIncrementSeconds, int? MinimumBillableSeconds, int? ConcurrentCallLimit);

public sealed record PlanDto(string Code, string Name, int MinutesPerCycle, MoneyDto Price, int BillingIncrementSeconds, int MinimumBillableSeconds, int? ConcurrentCallLimit)
{
    public static PlanDto From(Plan p) => new(p.Code, p.Name, p.MinutesPerCycle, new MoneyDto(p.PriceAmount, p.Currency), p.BillingIncrementSeconds, p.MinimumBillableSeconds, p.ConcurrentCallLimit);
}

public sealed record OwnerRequest(string? Email, string? Password);

public sealed record CreateAccountRequest(string? Name, string? PlanCode, string? TimeZone, int? BillingDay, OwnerRequest? Owner);

public sealed record CreatedAccountDto(Guid Id, string Name, string PlanCode, string TimeZone, int BillingDay, string ApiKey);

public sealed record PeriodDto(DateTimeOffset Start, DateTimeOffset End)
{
    public static PeriodDto From(Period p) => new(p.Start, p.End);
}

public sealed record PendingPlanChangeDto(string PlanCode, DateTimeOffset EffectiveAt);

public sealed record AccountDto(
    Guid Id,
    string Name,
    string PlanCode,
    string TimeZone,
    int BillingDay,
    bool DistributionEnabled,
    PeriodDto Cycle,
    long TotalSeconds,
    long UsedSeconds,
    long RemainingSeconds,
    long AllocatedMinutes,
    long UnallocatedMinutes,
    PendingPlanChangeDto? PendingPlanChange)
{
    public static AccountDto From(AccountSummary s) => new(
        s.Account.Id, s.Account.Name, s.PlanCode, s.Account.TimeZoneId, s.Account.BillingDay, s.Account.DistributionEnabled,
        PeriodDto.From(s.Cycle), s.Balance.TotalSeconds, s.Balance.UsedSeconds, s.Balance.RemainingSeconds,
        s.AllocatedMinutes, s.UnallocatedMinutes,
        s.PendingPlanChange is { } p ? new PendingPlanChangeDto(p.PlanCode, p.EffectiveAt) : null);
}

public sealed record DistributionRequest(bool? Enabled);

public sealed record PlanChangeRequest(string? PlanCode);

public sealed record PlanChangeDto(string PlanCode, string Effective, DateTimeOffset EffectiveAt);

public sealed record CreateWorkspaceRequest(string? Name, WorkspaceKind? Kind, int? AllocationMinutes, int? ResetDay, int? ConcurrentCallLimit);

public sealed record WorkspaceDto(
    Guid Id,
    string Name,
    WorkspaceKind Kind,
    string UserId,
    int? AllocationMinutes,
    int ResetDay,
    int? ConcurrentCallLimit,
    bool Archived,
    int ActiveCalls,
    PeriodDto Period,
    long UsedSeconds,
    long RemainingSeconds)
{
    public static WorkspaceDto From(WorkspaceView v) => new(
        v.Workspace.Id, v.Workspace.Name, v.Workspace.Kind, v.Workspace.UserId, v.Workspace.AllocationMinutes, v.EffectiveResetDay,
        v.Workspace.ConcurrentCallLimit, v.Workspace.IsArchived, v.ActiveCalls, PeriodDto.From(v.Period), v.UsedSeconds, v.RemainingSeconds);
}

/// <summary>The one answer that carries the passcode: creation.</summary>
public sealed record CreatedWorkspaceDto(
    Guid Id,
    string Name,
    WorkspaceKind Kind,
    string UserId,
    int? AllocationMinutes,
    int ResetDay,
    int? ConcurrentCallLimit,
    bool Archived,
    int ActiveCalls,
    PeriodDto Period,
    long UsedSeconds,
    long RemainingSeconds,
    string Passcode)
{
    public static CreatedWorkspaceDto From(WorkspaceView v, string passcode)
    {
        var w = WorkspaceDto.From(v);
        return new(w.Id, w.Name, w.Kind, w.UserId, w.AllocationMinutes, w.ResetDay, w.ConcurrentCallLimit, w.Archived, w.ActiveCalls, w.Period, w.UsedSeconds, w.RemainingSeconds, passcode);
    }
}

public sealed record CredentialsDto(string UserId, string Passcode);

public sealed record ScopeBalanceDto(string Scope, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, long TotalSeconds, long UsedSeconds, long RemainingSeconds)
{
    public static ScopeBalanceDto From(ScopeBalance b) => new(ScopeNames.Of(b.Scope), b.Period.Start, b.Period.End, b.TotalSeconds, b.UsedSeconds, b.RemainingSeconds);
}

public sealed record BalanceDto(Guid WorkspaceId, DateTimeOffset At, IReadOnlyList<ScopeBalanceDto> Scopes, long RemainingSeconds);

public sealed record StartCallRequest(string? CallId, Guid? WorkspaceId, string? UserId, string? Passcode, DateTimeOffset? StartedAt, string? ProjectTag);

public sealed record StartedCallDto(string CallId, Guid WorkspaceId, DateTimeOffset StartedAt, long MaxUsageSeconds)
{
    public static StartedCallDto From(StartedCall c) => new(c.CallId, c.WorkspaceId, c.StartedAt, c.MaxUsageSeconds);
}

public sealed record EndCallRequest(DateTimeOffset? EndedAt);

public sealed record EndedCallDto(string CallId, Guid WorkspaceId, DateTimeOffset StartedAt, DateTimeOffset EndedAt, long DurationSeconds, long BillableSeconds)
{
    public static EndedCallDto From(EndedCall c) => new(c.CallId, c.WorkspaceId, c.StartedAt, c.EndedAt, c.DurationSeconds, c.BillableSeconds);
}

public sealed record UsageRecordDto(string? CallId, Guid? WorkspaceId, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string? ProjectTag);

public sealed record UsageRecordsRequest(IReadOnlyList<UsageRecordDto?>? Records);

public sealed record RejectedRecordDto(int Index, string Code, string Message);

public sealed record UsageRecordsResultDto(int Accepted, int Duplicates, IReadOnlyList<RejectedRecordDto> Rejected);

public sealed record CallDto(
    string CallId,
    Guid WorkspaceId,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    long? DurationSeconds,
    long? BillableSeconds,
    string? ProjectTag,
    string Status,
    string Source)
{
    public static CallDto From(Call c) => new(
        c.CallId, c.WorkspaceId, c.StartedAt, c.EndedAt, c.DurationSeconds, c.BillableSeconds, c.ProjectTag,
        c.EndedAt is null ? "active" : "ended", c.Source == CallSource.Live ? "live" : "imported");
}

public sealed record CallPageDto(IReadOnlyList<CallDto> Items, string? NextCursor);

public sealed record UsageReportRowDto(Guid WorkspaceId, string Name, string UserId, long Calls, long BillableSeconds, int? AllocationMinutes, long OverageSeconds, MoneyDto CostShare);

/// <summary>Usage of one project tag (<c>?include=projectTags</c>); <c>projectTag</c> is null for calls without one.</summary>
public sealed record ProjectTagUsageDto(string? ProjectTag, long Calls, long BillableSeconds, MoneyDto CostShare);

public sealed record UsageReportDto(DateTimeOffset From, DateTimeOffset To, long TotalBillableSeconds, long TotalCalls, MoneyDto Price, IReadOnlyList<UsageReportRowDto> Workspaces, IReadOnlyList<ProjectTagUsageDto> ProjectTags);

public sealed record StatementLineDto(Guid WorkspaceId, string Name, string UserId, long Calls, long BillableSeconds, long AllocatedSeconds, long OverageSeconds, MoneyDto CostShare);

public sealed record StatementDto(
    PeriodDto Cycle,
    string PlanCode,
    int Revision,
    bool Amended,
    DateTimeOffset ClosedAt,
    long AllocatedSeconds,
    long UsedSeconds,
    long OverageSeconds,
    long Calls,
    MoneyDto Price,
    IReadOnlyList<StatementLineDto> Workspaces);
