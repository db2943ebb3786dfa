using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MinutePool.Core.Calls;
using MinutePool.Core.Workspaces;

namespace MinutePool.Data.Calls;

internal sealed class CallConfiguration : IEntityTypeConfiguration<Call>
{
    public void Configure(EntityTypeBuilder<Call> builder)
    {
        builder.ToTable("calls");

        // The caller's call id is the key: a repeated start, end or import finds the same row.
        builder.HasKey(c => new { c.AccountId, c.CallId });
        builder.Property(c => c.CallId).HasMaxLength(Call.MaxCallIdLength);
        builder.Property(c => c.ProjectTag).HasMaxLength(Call.MaxProjectTagLength);
        builder.Property(c => c.Source).HasConversion<string>().HasMaxLength(16);
        builder.Ignore(c => c.IsActive);

        // Listing and drill-down by workspace and time; counting a workspace's running calls (see RunningCalls
        // for why that index's predicate is not "ended_at IS NULL").
        builder.HasIndex(c => new { c.AccountId, c.WorkspaceId, c.StartedAt });
        builder.HasIndex(c => new { c.AccountId, c.StartedAt });
        builder.HasIndex(c => new { c.AccountId, c.WorkspaceId }, RunningCalls.IndexName).HasFilter(RunningCalls.IndexFilter);
        builder.HasOne<Workspace>().WithMany().HasForeignKey(c => new { c.AccountId, c.WorkspaceId }).OnDelete(DeleteBehavior.Restrict);
    }
}
