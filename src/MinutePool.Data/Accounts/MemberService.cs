using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Common;
using MinutePool.Data.Auditing;

namespace MinutePool.Data.Accounts;

public sealed record MemberView(Guid UserId, string Email, string DisplayName, AccountRole Role, Guid? WorkspaceId, string? WorkspaceName, DateTimeOffset Since);

/// <summary>A person's accounts, for the account switcher.</summary>
public sealed record MembershipOption(Guid AccountId, string AccountName, AccountRole Role, Guid? WorkspaceId);

/// <summary>People and their roles in the current tenant's account.</summary>
public sealed class MemberService(MinutePoolDbContext db, TimeProvider clock)
{
    public async Task<List<MemberView>> ListAsync(CancellationToken cancellationToken = default)
    {
        var rows = await db.Memberships.AsNoTracking()
            .Join(db.Users.AsNoTracking(), m => m.UserId, u => u.Id, (m, u) => new { m, u.Email, u.DisplayName })
            .ToListAsync(cancellationToken);
        var workspaces = await db.Workspaces.AsNoTracking().ToDictionaryAsync(w => w.Id, w => w.Name, cancellationToken);
        return rows
            .Select(r => new MemberView(r.m.UserId, r.Email ?? "", r.DisplayName, r.m.Role, r.m.WorkspaceId,
                r.m.WorkspaceId is { } id && workspaces.TryGetValue(id, out var name) ? name : null, r.m.CreatedAt))
            .OrderBy(r => r.Role).ThenBy(r => r.Email, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>Every account a person belongs to (across tenants: this is how a sign-in finds its accounts).</summary>
    public async Task<List<MembershipOption>> AccountsOfAsync(Guid userId, CancellationToken cancellationToken = default)
    {
        using var acrossAccounts = db.Tenant.AcrossAccounts();
        return await db.Memberships.IgnoreQueryFilters().AsNoTracking()
            .Where(m => m.UserId == userId)
            .Join(db.Accounts.IgnoreQueryFilters(), m => m.AccountId, a => a.Id, (m, a) => new { m, a })
            .OrderBy(x => x.a.Name)
            .Select(x => new MembershipOption(x.a.Id, x.a.Name, x.m.Role, x.m.WorkspaceId))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Adds an existing person with a role; staff may be scoped to one workspace.</summary>
    public async Task<Result<Membership>> AddAsync(Guid userId, AccountRole role, Guid? workspaceId, string actor, CancellationToken cancellationToken = default)
    {
        if (await CheckWorkspaceAsync(role, workspaceId, cancellationToken) is { } invalid)
        {
            return invalid;
        }

        if (await db.Memberships.AnyAsync(m => m.UserId == userId, cancellationToken))
        {
            return new DomainError(ErrorCodes.Duplicate, "This person is a member already; change their role instead.", "email");
        }

        var now = clock.GetUtcNow();
        var membership = new Membership { AccountId = db.CurrentAccountId, UserId = userId, Role = role, WorkspaceId = role == AccountRole.Staff ? workspaceId : null, CreatedAt = now };
        db.Memberships.Add(membership);
        AuditTrail.Record(db, membership.AccountId, actor, "member.added", $"user:{userId}", null, new { Role = role.ToString(), membership.WorkspaceId }, now);
        await db.SaveChangesAsync(cancellationToken);
        return membership;
    }

    public async Task<Result<Membership>> ChangeAsync(Guid userId, AccountRole role, Guid? workspaceId, string actor, CancellationToken cancellationToken = default)
    {
        if (await CheckWorkspaceAsync(role, workspaceId, cancellationToken) is { } invalid)
        {
            return invalid;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccountStateReader.LockAsync(db, cancellationToken);
        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.UserId == userId, cancellationToken);
        if (membership is null)
        {
            return DomainError.NotFound("The member");
        }

        if (membership.Role == AccountRole.Owner && role != AccountRole.Owner && await IsLastOwnerAsync(cancellationToken))
        {
            return DomainError.Validation("role", "An account keeps at least one owner.");
        }

        var before = new { Role = membership.Role.ToString(), membership.WorkspaceId };
        membership.Role = role;
        membership.WorkspaceId = role == AccountRole.Staff ? workspaceId : null;
        AuditTrail.Record(db, membership.AccountId, actor, "member.changed", $"user:{userId}", before, new { Role = role.ToString(), membership.WorkspaceId }, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return membership;
    }

    public async Task<DomainError?> RemoveAsync(Guid userId, string actor, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccountStateReader.LockAsync(db, cancellationToken);
        var membership = await db.Memberships.SingleOrDefaultAsync(m => m.UserId == userId, cancellationToken);
        if (membership is null)
        {
            return DomainError.NotFound("The member");
        }

        if (membership.Role == AccountRole.Owner && await IsLastOwnerAsync(cancellationToken))
        {
            return DomainError.Validation("role", "An account keeps at least one owner.");
        }

        db.Memberships.Remove(membership);
        AuditTrail.Record(db, membership.AccountId, actor, "member.removed", $"user:{userId}", new { Role = membership.Role.ToString() }, null, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return null;
    }

    private async Task<bool> IsLastOwnerAsync(CancellationToken cancellationToken) =>
        await db.Memberships.CountAsync(m => m.Role == AccountRole.Owner, cancellationToken) <= 1;

    private async Task<DomainError?> CheckWorkspaceAsync(AccountRole role, Guid? workspaceId, CancellationToken cancellationToken)
    {
        if (role != AccountRole.Staff || workspaceId is null)
        {
            return null;
        }

        return await db.Workspaces.AnyAsync(w => w.Id == workspaceId && w.ArchivedAt == null, cancellationToken)
            ? null
            : DomainError.Validation("workspaceId", "Choose an active workspace of this account.");
    }
}
