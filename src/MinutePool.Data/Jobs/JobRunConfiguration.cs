using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using MinutePool.Core.Jobs;

namespace MinutePool.Data.Jobs;

internal sealed class JobRunConfiguration : IEntityTypeConfiguration<JobRun>
{
    public void Configure(EntityTypeBuilder<JobRun> builder)
    {
        builder.ToTable("job_runs");
        builder.HasKey(r => r.JobName);
        builder.Property(r => r.JobName).HasMaxLength(100);
        builder.Property(r => r.LastError).HasMaxLength(2000);
        builder.Property(r => r.LastSummary).HasMaxLength(500);
    }
}
