using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace MinutePool.Data.Identity;

/// <summary>Plain table names for ASP.NET Core Identity's user tables (no roles: roles are per account).</summary>
internal static class IdentityTables
{
    public static void Configure(ModelBuilder builder)
    {
        builder.Entity<AppUser>(b =>
        {
            b.ToTable("users");
            b.Property(u => u.DisplayName).HasMaxLength(200);
        });
        builder.Entity<IdentityUserClaim<Guid>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<Guid>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<Guid>>().ToTable("user_tokens");
    }
}
