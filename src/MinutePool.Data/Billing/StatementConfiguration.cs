using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;

namespace MinutePool.Data.Billing;

internal sealed class StatementConfiguration : IEntityTypeConfiguration<Statement>
{
    public void Configure(EntityTypeBuilder<Statement> builder)
    {
        builder.ToTable("statements");

        // Closing a period twice finds the same key: statements are written once per revision.
        builder.HasKey(s => new { s.AccountId, s.SubjectId, s.Scope, s.StartDate, s.Revision });
        builder.Property(s => s.Scope).HasConversion<string>().HasMaxLength(16);
        builder.Property(s => s.PlanCode).HasMaxLength(64);
        builder.Property(s => s.Currency).HasMaxLength(3);
        builder.Property(s => s.CostShareAmount).HasPrecision(18, 2);
        builder.Ignore(s => s.IsAmendment);
        builder.HasIndex(s => new { s.AccountId, s.Scope, s.StartDate });
        builder.HasOne<Account>().WithMany().HasForeignKey(s => s.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}
