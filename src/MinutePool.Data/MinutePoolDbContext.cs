using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Auditing;
using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Core.Jobs;
using MinutePool.Core.Notifications;
using MinutePool.Core.Plans;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Identity;
using MinutePool.Data.Infrastructure;
using MinutePool.Data.Tenancy;

namespace MinutePool.Data;

/// <summary>
/// The one EF Core context. Tenant-owned entities carry their account id first in their key and are
/// filtered to <see cref="TenantContext.AccountId"/>; global tables (plans, the user-ID directory,
/// API keys, passcode lockouts, sign-in users, job runs) are not. Jobs, which serve every account,
/// read across accounts with IgnoreQueryFilters and set the tenant per account they work on.
/// </summary>
/// <remarks>
/// Instances are pooled (see <see cref="DependencyInjection.AddMinutePoolData"/>): the benchmark measured setting
/// up a fresh context as a tenth of a call request's CPU. A rented instance is handed the scope's tenant by
/// <see cref="ForTenant"/> and forgets it when returned, so no request can see another's account.
/// </remarks>
public class MinutePoolDbContext(DbContextOptions<MinutePoolDbContext> options)
    : IdentityUserContext<AppUser, Guid>(options), IDataProtectionKeyContext
{
    private TenantContext tenant = new();

    /// <summary>The account every tenant-owned query is limited to; <see cref="Guid.Empty"/> matches nothing.</summary>
    public Guid CurrentAccountId => tenant.AccountId ?? Guid.Empty;

    public TenantContext Tenant => tenant;

    /// <summary>Binds a rented instance to the tenant of the scope that rents it.</summary>
    public MinutePoolDbContext ForTenant(TenantContext scopeTenant)
    {
        tenant = scopeTenant;
        return this;
    }

    public override void Dispose()
    {
        tenant = new TenantContext();
        base.Dispose();
    }

    public override ValueTask DisposeAsync()
    {
        tenant = new TenantContext();
        return base.DisposeAsync();
    }

    public DbSet<Plan> Plans => Set<Plan>();

    public DbSet<Account> Accounts => Set<Account>();

    public DbSet<AccountPlanChange> AccountPlanChanges => Set<AccountPlanChange>();

    public DbSet<Membership> Memberships => Set<Membership>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<Workspace> Workspaces => Set<Workspace>();

    public DbSet<UserIdDirectoryEntry> UserIdDirectory => Set<UserIdDirectoryEntry>();

    public DbSet<PasscodeLockout> PasscodeLockouts => Set<PasscodeLockout>();

    public DbSet<Call> Calls => Set<Call>();

    public DbSet<UsageBucket> UsageBuckets => Set<UsageBucket>();

    /// <summary>Read-only for the application: the database keeps these equal to the buckets.</summary>
    public DbSet<AccountUsageDay> AccountUsageDays => Set<AccountUsageDay>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<Statement> Statements => Set<Statement>();

    public DbSet<Notification> Notifications => Set<Notification>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<JobRun> JobRuns => Set<JobRun>();

    /// <summary>The keys that protect cookies and antiforgery tokens, shared so every app instance accepts them.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    // Asked several times a request; EF answers ProviderName from the provider assembly's name, a new AssemblyName each
    // time. A pooled context keeps its provider for life, so the answer is kept with it.
    public bool IsPostgres => _isPostgres ??= Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL";

    private bool? _isPostgres;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcDateTimeOffsetConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        IdentityTables.Configure(builder);
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");
        builder.ApplyConfigurationsFromAssembly(typeof(MinutePoolDbContext).Assembly);

        builder.Entity<Account>().HasQueryFilter(a => a.Id == CurrentAccountId);
        builder.Entity<AccountPlanChange>().HasQueryFilter(e => e.AccountId == CurrentAccountId);
        builder.Entity<Membership>().HasQueryFilter(e => e.AccountId == CurrentAccountId);
        builder.Entity<Workspace>().HasQueryFilter(e => e.AccountId == CurrentAccountId);
        builder.Entity<Call>().HasQueryFilter(e => e.AccountId == CurrentAccountId);
        builder.Entity<UsageBucket>().HasQueryFilter(e => e.AccountId == CurrentAccountId);
        builder.Entity<AccountUsageDay>().HasQueryFilter(e => e.AccountId == CurrentAccountId);
        builder.Entity<AuditEntry>().HasQueryFilter(e => e.AccountId == CurrentAccountId);
        builder.Entity<Statement>().HasQueryFilter(e => e.AccountId == CurrentAccountId);
        builder.Entity<Notification>().HasQueryFilter(e => e.AccountId == CurrentAccountId);
        builder.Entity<WebhookDelivery>().HasQueryFilter(e => e.AccountId == CurrentAccountId);

        SnakeCaseNames.Apply(builder);
    }
}
