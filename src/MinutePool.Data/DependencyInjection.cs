using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data.Accounts;
using MinutePool.Data.Calls;
using MinutePool.Data.Infrastructure;
using MinutePool.Data.Plans;
using MinutePool.Data.Tenancy;
using MinutePool.Data.Workspaces;

namespace MinutePool.Data;

public static class DependencyInjection
{
    /// <summary>
    /// The context, the tenant of the scope, and the use-case services. <paramref name="groupCommit"/> (PostgreSQL):
    /// call starts and ends of concurrent requests share statements and commits (<see cref="CallWriteBatches"/>).
    /// </summary>
    public static IServiceCollection AddMinutePoolData(this IServiceCollection services, DatabaseProvider provider, string connectionString, bool rowLevelSecurity = false, bool groupCommit = true)
    {
        services.AddScoped<TenantContext>();
        services.AddScoped<CommitWait>();
        // Pooled contexts, each rented for one scope and bound to that scope's tenant; the factory's own
        // contexts (nothing here uses them) would carry no tenant and so see no tenant-owned rows.
        services.AddPooledDbContextFactory<MinutePoolDbContext>(options =>
        {
            DatabaseOptions.Configure(options, provider, connectionString);
            if (rowLevelSecurity && provider == DatabaseProvider.Postgres)
            {
                options.AddInterceptors(new Tenancy.RowLevelSecurity());
            }
        });
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<MinutePoolDbContext>>().CreateDbContext()
            .ForTenant(sp.GetRequiredService<TenantContext>()));
        services.AddScoped<PlanService>();
        services.AddScoped<AccountService>();
        services.AddScoped<WorkspaceService>();
        if (groupCommit && provider == DatabaseProvider.Postgres)
        {
            // A factory, so the container disposes it at shutdown: queued writes finish before the app stops.
            services.AddSingleton(_ => new CallWriteBatches(connectionString));
        }

        services.AddScoped<CallLedger>();
        services.AddScoped<CallQueries>();
        services.AddScoped<ApiKeyService>();
        services.AddScoped<MemberService>();
        services.AddScoped<Auditing.AuditQueries>();
        services.AddScoped<Reports.AllocationSuggestionService>();
        services.AddScoped<Notifications.NotificationPublisher>();
        services.AddScoped<Notifications.NotificationQueries>();
        services.AddScoped<Notifications.WebhookService>();
        services.AddScoped<Notifications.WebhookDispatcher>();

        // Webhook posts: no redirects (a 3xx is a failed delivery, and a POST must not turn into a GET), no cookies.
        services.AddHttpClient(Notifications.WebhookDispatcher.HttpClientName, client =>
            {
                client.Timeout = Notifications.WebhookDispatcher.RequestTimeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("MinutePool-Webhooks/1.0");
            })
            .ConfigurePrimaryHttpMessageHandler(() => new System.Net.Http.SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        services.AddScoped<Billing.StatementCloser>();
        services.AddScoped<Notifications.ThresholdWatcher>();
        services.AddScoped<StaleCallReaper>();
        services.AddScoped<Jobs.JobRunRecorder>();
        services.AddScoped<Reports.UsageReport>();
        services.AddScoped<Reports.StatementQueries>();
        services.AddScoped<Reports.UsageSeries>();
        return services;
    }
}
