using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MinutePool.Core.Billing;
using MinutePool.Core.Workspaces;

namespace MinutePool.Data.Billing;

internal sealed class UsageBucketConfiguration : IEntityTypeConfiguration<UsageBucket>
{
    public void Configure(EntityTypeBuilder<UsageBucket> builder)
    {
        // SQLite cannot combine RETURNING with the AFTER triggers that keep account_usage_days (EF saves, e.g. the demo seed).
        builder.ToTable("usage_buckets", table => table.UseSqlReturningClause(false));
        builder.HasKey(b => new { b.AccountId, b.WorkspaceId, b.LocalDate, b.Slot });

        // Account-wide sums over a cycle read (account_id, local_date) ranges.
        builder.HasIndex(b => new { b.AccountId, b.LocalDate });
        builder.HasOne<Workspace>().WithMany().HasForeignKey(b => new { b.AccountId, b.WorkspaceId }).OnDelete(DeleteBehavior.Restrict);
    }
}
