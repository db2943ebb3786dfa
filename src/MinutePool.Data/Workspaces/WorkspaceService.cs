using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Accounts;
using MinutePool.Data.Auditing;
using MinutePool.Data.Billing;
using MinutePool.Data.Calls;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Data.Workspaces;

public sealed record CreateWorkspaceCommand(string Name, WorkspaceKind? Kind, int? AllocationMinutes, int? ResetDay, Optional<int?> ConcurrentCallLimit);

public sealed record WorkspacePatch(
    Optional<string> Name,
    Optional<WorkspaceKind> Kind,
    Optional<int?> AllocationMinutes,
    Optional<int?> ResetDay,
    Optional<int?> ConcurrentCallLimit);

/// <summary>
/// A workspace with its live figures. <see cref="Period"/> is its own reset period and
/// <see cref="UsedSeconds"/> its usage in it; <see cref="RemainingSeconds"/> is the smallest remaining
/// balance of the scopes that apply to it (what a new call could use).
/// </summary>
public sealed record WorkspaceView(Workspace Workspace, int EffectiveResetDay, int ActiveCalls, Period Period, long UsedSeconds, long RemainingSeconds, IReadOnlyList<ScopeBalance> Scopes);

public sealed record WorkspaceCredentials(Workspace Workspace, string UserId, string Passcode);

/// <summary>Workspaces (sub-accounts) of the current tenant: create, edit, archive, credentials.</summary>
public sealed class WorkspaceService(MinutePoolDbContext db, TimeProvider clock)
{
    private const int UserIdAttempts = 8;

    public async Task<Result<WorkspaceCredentials>> CreateAsync(CreateWorkspaceCommand command, string actor, CancellationToken cancellationToken = default)
    {
        if ((AllocationPolicy.CheckName(command.Name) ?? AllocationPolicy.CheckResetDay(command.ResetDay)
             ?? AllocationPolicy.CheckConcurrentCallLimit(command.ConcurrentCallLimit.Value)) is { } invalid)
        {
            return invalid;
        }

        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await AccountStateReader.LockAsync(db, cancellationToken);
            var state = await AccountStateReader.LoadAsync(db, cancellationToken);
            if (state is null)
            {
                return DomainError.NotFound("The account");
            }

            if (AllocationCheck(state, command.AllocationMinutes, state.AllocatedMinutes) is { } refused)
            {
                return refused;
            }

            var now = clock.GetUtcNow();
            var passcode = SubAccountCredentials.NewPasscode();
            var workspace = new Workspace
            {
                AccountId = state.Account.Id,
                Name = command.Name.Trim(),
                Kind = command.Kind ?? WorkspaceKind.Other,
                UserId = SubAccountCredentials.NewUserId(),
                PasscodeHash = PasscodeHasher.Hash(passcode),
                AllocationMinutes = command.AllocationMinutes,
                ResetDay = command.ResetDay,
                ConcurrentCallLimit = command.ConcurrentCallLimit.IsSet
                    ? command.ConcurrentCallLimit.Value
                    : state.Plans.PlanFor(state.CycleAt(now)).ConcurrentCallLimit,
                CreatedAt = now,
            };
            db.Workspaces.Add(workspace);
            db.UserIdDirectory.Add(new UserIdDirectoryEntry { UserId = workspace.UserId, AccountId = workspace.AccountId, WorkspaceId = workspace.Id });
            AuditTrail.Record(db, workspace.AccountId, actor, "workspace.created", $"workspace:{workspace.Id}", null, Snapshot(workspace), now);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return new WorkspaceCredentials(workspace, workspace.UserId, passcode);
            }
            catch (DbUpdateException e) when (DatabaseOptions.IsUniqueViolation(e) && attempt < UserIdAttempts)
            {
                // Another workspace took this user ID: try a new one.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>Edits a workspace. Allocation saves queue on the account row, so concurrent saves never together exceed the plan.</summary>
    public async Task<Result<Workspace>> UpdateAsync(Guid workspaceId, WorkspacePatch patch, string actor, CancellationToken cancellationToken = default)
    {
        if ((Check(patch.Name, AllocationPolicy.CheckName) ?? Check(patch.ResetDay, AllocationPolicy.CheckResetDay)
             ?? Check(patch.ConcurrentCallLimit, AllocationPolicy.CheckConcurrentCallLimit)) is { } invalid)
        {
            return invalid;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (patch.AllocationMinutes.IsSet)
        {
            await AccountStateReader.LockAsync(db, cancellationToken);
        }

        var workspace = await db.Workspaces.SingleOrDefaultAsync(w => w.Id == workspaceId, cancellationToken);
        if (workspace is null)
        {
            return DomainError.NotFound("The workspace");
        }

        if (patch.AllocationMinutes.IsSet && patch.AllocationMinutes.Value != workspace.AllocationMinutes)
        {
            var state = await AccountStateReader.LoadAsync(db, cancellationToken);
            var others = await AccountStateReader.AllocatedMinutesAsync(db, cancellationToken, excludingWorkspace: workspace.Id);
            if (AllocationCheck(state!, patch.AllocationMinutes.Value, others) is { } refused)
            {
                return refused;
            }
        }

        var before = Snapshot(workspace);
        workspace.Name = patch.Name.IsSet ? patch.Name.Value.Trim() : workspace.Name;
        workspace.Kind = patch.Kind.Or(workspace.Kind);
        workspace.AllocationMinutes = patch.AllocationMinutes.Or(workspace.AllocationMinutes);
        workspace.ResetDay = patch.ResetDay.Or(workspace.ResetDay);
        workspace.ConcurrentCallLimit = patch.ConcurrentCallLimit.Or(workspace.ConcurrentCallLimit);
        var after = Snapshot(workspace);
        if (before != after)
        {
            AuditTrail.Record(db, workspace.AccountId, actor, "workspace.updated", $"workspace:{workspace.Id}", before, after, clock.GetUtcNow());
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return workspace;
    }

    /// <summary>
    /// Sets several active workspaces' allocations at once, all or nothing. Each change gets the same check
    /// and audit entry as <see cref="UpdateAsync"/>, under the same account lock, but judged against the
    /// allocations as they will stand afterwards: lowering one to make room for another must not depend on
    /// the order of the saves. The first refusal is returned (naming its workspace) and nothing changes.
    /// </summary>
    public async Task<Result<IReadOnlyList<Workspace>>> SetAllocationsAsync(IReadOnlyDictionary<Guid, int?> allocations, string actor, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccountStateReader.LockAsync(db, cancellationToken);
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return DomainError.NotFound("The account");
        }

        var active = await db.Workspaces.Where(w => w.ArchivedAt == null).OrderBy(w => w.Name).ToListAsync(cancellationToken);
        var byId = active.ToDictionary(w => w.Id);
        if (allocations.Keys.Any(id => !byId.ContainsKey(id)))
        {
            return DomainError.NotFound("An active workspace");
        }

        int? After(Workspace w) => allocations.TryGetValue(w.Id, out var allocation) ? allocation : w.AllocationMinutes;
        var total = active.Sum(w => (long)(After(w) ?? 0));
        var changed = active.Where(w => After(w) != w.AllocationMinutes).ToList();
        foreach (var workspace in changed)
        {
            var allocation = After(workspace);
            if (AllocationCheck(state, allocation, total - (allocation ?? 0)) is { } refused)
            {
                return (refused with { Message = $"{workspace.Name}: {refused.Message}" }).With("workspaceId", workspace.Id);
            }
        }

        var now = clock.GetUtcNow();
        foreach (var workspace in changed)
        {
            var before = Snapshot(workspace);
            workspace.AllocationMinutes = After(workspace);
            AuditTrail.Record(db, workspace.AccountId, actor, "workspace.updated", $"workspace:{workspace.Id}", before, Snapshot(workspace), now);
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }

    /// <summary>Archiving stops calls and releases the allocation; the workspace and its history stay.</summary>
    public async Task<Result<Workspace>> ArchiveAsync(Guid workspaceId, string actor, CancellationToken cancellationToken = default)
    {
        // Releasing an allocation changes the account's state like an allocation save, so it queues on the account row
        // first, as those do: the row the database's version trigger then bumps (AccountStateVersions), in the same order.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccountStateReader.LockAsync(db, cancellationToken);
        var workspace = await db.Workspaces.SingleOrDefaultAsync(w => w.Id == workspaceId, cancellationToken);
        if (workspace is null)
        {
            return DomainError.NotFound("The workspace");
        }

        if (!workspace.IsArchived)
        {
            var now = clock.GetUtcNow();
            workspace.ArchivedAt = now;
            AuditTrail.Record(db, workspace.AccountId, actor, "workspace.archived", $"workspace:{workspace.Id}", new { Archived = false }, new { Archived = true }, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return workspace;
    }

    /// <summary>A new passcode, returned once; the user ID stays.</summary>
    public async Task<Result<WorkspaceCredentials>> RotatePasscodeAsync(Guid workspaceId, string actor, CancellationToken cancellationToken = default)
    {
        var workspace = await db.Workspaces.SingleOrDefaultAsync(w => w.Id == workspaceId, cancellationToken);
        if (workspace is null)
        {
            return DomainError.NotFound("The workspace");
        }

        var passcode = SubAccountCredentials.NewPasscode();
        workspace.PasscodeHash = PasscodeHasher.Hash(passcode);
        AuditTrail.Record(db, workspace.AccountId, actor, "workspace.passcode_rotated", $"workspace:{workspace.Id}", null, new { workspace.UserId }, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return new WorkspaceCredentials(workspace, workspace.UserId, passcode);
    }

    public async Task<WorkspaceView?> GetAsync(Guid workspaceId, CancellationToken cancellationToken = default)
    {
        var workspace = await WorkspaceLookup.ByIdAsync(db, workspaceId, cancellationToken);
        var state = workspace is null ? null : await AccountStateReader.LoadAsync(db, cancellationToken);
        return workspace is null || state is null ? null : await ViewAsync(state, workspace, clock.GetUtcNow(), cancellationToken);
    }

    /// <summary>The balances that apply to a workspace at an instant (past, present or future).</summary>
    public async Task<IReadOnlyList<ScopeBalance>?> BalanceAsync(Guid workspaceId, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var workspace = await WorkspaceLookup.ByIdAsync(db, workspaceId, cancellationToken);
        var state = workspace is null ? null : await AccountStateReader.LoadAsync(db, cancellationToken);
        return workspace is null || state is null ? null : await BalanceReader.ForWorkspaceAsync(db, state, workspace, at, cancellationToken);
    }

    public async Task<IReadOnlyList<WorkspaceView>> ListAsync(bool includeArchived, CancellationToken cancellationToken = default)
    {
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return [];
        }

        var workspaces = await db.Workspaces.AsNoTracking()
            .Where(w => includeArchived || w.ArchivedAt == null)
            .OrderBy(w => w.Name)
            .ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var views = new List<WorkspaceView>(workspaces.Count);
        foreach (var workspace in workspaces)
        {
            views.Add(await ViewAsync(state, workspace, now, cancellationToken));
        }

        return views;
    }

    public async Task<WorkspaceView> ViewAsync(AccountState state, Workspace workspace, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var scopes = await BalanceReader.ForWorkspaceAsync(db, state, workspace, at, cancellationToken);
        var period = workspace.PeriodCalendar(state.Account.TimeZone, state.Account.BillingDay).PeriodContaining(at);
        var own = await BalanceReader.EvaluateAsync(db, new ScopeDefinition(BalanceScope.Workspace, period, 0, UsageSelector.Workspace, workspace.Id), cancellationToken);
        var active = await db.Calls.Running().CountAsync(c => c.WorkspaceId == workspace.Id, cancellationToken);
        return new WorkspaceView(workspace, workspace.EffectiveResetDay(state.Account.BillingDay), active, period, own.UsedSeconds, BalanceRules.Remaining(scopes), scopes);
    }

    /// <summary>
    /// The minutes allocations may add up to at an instant: the smaller of the plan in force and a
    /// scheduled one, so a pending downgrade stays valid.
    /// </summary>
    public static int AllocatablePlanMinutes(AccountState state, DateTimeOffset now)
    {
        var planMinutes = state.Plans.PlanFor(state.CycleAt(now)).MinutesPerCycle;
        return state.Plans.PendingAfter(now) is { } pending ? Math.Min(planMinutes, pending.Plan.MinutesPerCycle) : planMinutes;
    }

    private DomainError? AllocationCheck(AccountState state, int? allocation, long otherAllocated) =>
        AllocationPolicy.Check(allocation, AllocatablePlanMinutes(state, clock.GetUtcNow()), otherAllocated, state.Account.DistributionEnabled);

    private static DomainError? Check<T>(Optional<T> field, Func<T, DomainError?> rule) => field.IsSet ? rule(field.Value) : null;

    private static WorkspaceSnapshot Snapshot(Workspace w) => new(w.Name, w.Kind.ToString(), w.AllocationMinutes, w.ResetDay, w.ConcurrentCallLimit);

    private sealed record WorkspaceSnapshot(string Name, string Kind, int? AllocationMinutes, int? ResetDay, int? ConcurrentCallLimit);
}
