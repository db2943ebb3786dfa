using MinutePool.Core.Billing;

namespace MinutePool.Core.Workspaces;

/// <summary>What a workspace stands for; informational, used for grouping in reports.</summary>
public enum WorkspaceKind
{
    Client,
    Department,
    Location,
    Project,
    Person,
    Other,
}

/// <summary>A sub-account of an account: its own user ID, passcode, allocation and reset day.</summary>
public sealed class Workspace
{
    public Guid AccountId { get; set; }

    public Guid Id { get; set; } = Guid.CreateVersion7();

    public string Name { get; set; } = "";

    public WorkspaceKind Kind { get; set; } = WorkspaceKind.Other;

    /// <summary>8 digits, unique across the system (enforced by the user-ID directory).</summary>
    public string UserId { get; set; } = "";

    /// <summary>Salted hash from <see cref="PasscodeHasher"/>; the passcode itself is never stored.</summary>
    public string PasscodeHash { get; set; } = "";

    /// <summary>Monthly allocation in whole minutes; null draws on the unallocated pool.</summary>
    public int? AllocationMinutes { get; set; }

    /// <summary>1–31; null follows the account's billing day.</summary>
    public int? ResetDay { get; set; }

    /// <summary>Calls that may run at once; null is unlimited.</summary>
    public int? ConcurrentCallLimit { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ArchivedAt { get; set; }

    /// <summary>Bumped by writers that must serialise on this workspace (concurrent-call checks).</summary>
    public long Version { get; set; }

    public bool IsArchived => ArchivedAt is not null;

    public int EffectiveResetDay(int accountBillingDay) => ResetDay ?? accountBillingDay;

    public PeriodCalendar PeriodCalendar(AccountTimeZone zone, int accountBillingDay) => new(zone, EffectiveResetDay(accountBillingDay));
}

/// <summary>
/// The global directory of sub-account user IDs. It is the one table not keyed by account, because a
/// conference bridge presents only a user ID and the ID must be unique across the whole system.
/// </summary>
public sealed class UserIdDirectoryEntry
{
    public string UserId { get; set; } = "";

    public Guid AccountId { get; set; }

    public Guid WorkspaceId { get; set; }
}
