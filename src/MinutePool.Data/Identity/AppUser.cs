using Microsoft.AspNetCore.Identity;

namespace MinutePool.Data.Identity;

/// <summary>A person who signs in. What they may do is given per account by memberships.</summary>
public sealed class AppUser : IdentityUser<Guid>
{
    public string DisplayName { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
}
