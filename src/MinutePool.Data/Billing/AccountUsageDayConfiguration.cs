using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;

namespace MinutePool.Data.Billing;

internal sealed class AccountUsageDayConfiguration : IEntityTypeConfiguration<AccountUsageDay>
{
    public void Configure(EntityTypeBuilder<AccountUsageDay> builder)
    {
        // The key serves the only read: an account's (account_id, local_date) range.
        builder.ToTable("account_usage_days");
        builder.HasKey(d => new { d.AccountId, d.LocalDate, d.Slot });
        // Only the triggers write the days; the default filled the rows that existed when the column was added.
        builder.Property(d => d.PoolBilledSeconds).HasDefaultValue(0L);
        builder.HasOne<Account>().WithMany().HasForeignKey(d => d.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}
