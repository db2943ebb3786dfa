using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MinutePool.Core.Accounts;
using MinutePool.Core.Notifications;

namespace MinutePool.Data.Notifications;

internal sealed class NotificationConfiguration : IEntityTypeConfiguration<Notification>
{
    public void Configure(EntityTypeBuilder<Notification> builder)
    {
        builder.ToTable("notifications");
        builder.HasKey(n => new { n.AccountId, n.Id });

        // One notice per crossing, period and scope, however often the job runs.
        builder.HasIndex(n => new { n.AccountId, n.DedupKey }).IsUnique();
        builder.HasIndex(n => new { n.AccountId, n.CreatedAt });
        builder.Property(n => n.DedupKey).HasMaxLength(200);
        builder.Property(n => n.Kind).HasMaxLength(64);
        builder.Property(n => n.Title).HasMaxLength(300);
        builder.HasOne<Account>().WithMany().HasForeignKey(n => n.AccountId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("webhook_deliveries");
        builder.HasKey(d => new { d.AccountId, d.Id });
        builder.Property(d => d.Url).HasMaxLength(2000);
        builder.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.LastError).HasMaxLength(500);

        // The delivery job looks for due deliveries across accounts.
        builder.HasIndex(d => d.NextAttemptAt, "IX_webhook_deliveries_due").HasFilter("status = 'Pending'");
        builder.HasIndex(d => new { d.AccountId, d.CreatedAt });
        builder.HasOne<Notification>().WithMany().HasForeignKey(d => new { d.AccountId, d.NotificationId }).OnDelete(DeleteBehavior.Restrict);
    }
}
