using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MinutePool.Core.Accounts;
using MinutePool.Core.Workspaces;

namespace MinutePool.Data.Workspaces;

internal sealed class WorkspaceConfiguration : IEntityTypeConfiguration<Workspace>
{
    public void Configure(EntityTypeBuilder<Workspace> builder)
    {
        builder.ToTable("workspaces");
        builder.HasKey(w => new { w.AccountId, w.Id });
        builder.Property(w => w.Name).HasMaxLength(200);
        builder.Property(w => w.Kind).HasConversion<string>().HasMaxLength(16);
        builder.Property(w => w.UserId).HasMaxLength(8);
        builder.Property(w => w.PasscodeHash).HasMaxLength(128);
        builder.Ignore(w => w.IsArchived);
        builder.HasOne<Account>().WithMany().HasForeignKey(w => w.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class UserIdDirectoryConfiguration : IEntityTypeConfiguration<UserIdDirectoryEntry>
{
    public void Configure(EntityTypeBuilder<UserIdDirectoryEntry> builder)
    {
        builder.ToTable("user_id_directory");
        builder.HasKey(e => e.UserId);
        builder.Property(e => e.UserId).HasMaxLength(8);
        builder.HasIndex(e => new { e.AccountId, e.WorkspaceId }).IsUnique();
        builder.HasOne<Workspace>().WithMany().HasForeignKey(e => new { e.AccountId, e.WorkspaceId }).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class PasscodeLockoutConfiguration : IEntityTypeConfiguration<PasscodeLockout>
{
    public void Configure(EntityTypeBuilder<PasscodeLockout> builder)
    {
        builder.ToTable("passcode_lockouts");
        builder.HasKey(l => l.UserId);
        builder.Property(l => l.UserId).HasMaxLength(8);
        builder.Property(l => l.RecentFailures).HasMaxLength(120);
    }
}
