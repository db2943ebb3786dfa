namespace MinutePool.Core.Accounts;

/// <summary>What a person may do in one account.</summary>
public enum AccountRole
{
    /// <summary>Everything.</summary>
    Owner,

    /// <summary>Reads usage, statements and exports; edits nothing.</summary>
    Finance,

    /// <summary>Reads the account pool and, when scoped to one, that workspace.</summary>
    Staff,
}

/// <summary>A person's role in an account. A person may belong to several accounts.</summary>
public sealed class Membership
{
    public Guid AccountId { get; set; }

    public Guid UserId { get; set; }

    public AccountRole Role { get; set; }

    /// <summary>For staff: the workspace they see besides the account pool.</summary>
    public Guid? WorkspaceId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
