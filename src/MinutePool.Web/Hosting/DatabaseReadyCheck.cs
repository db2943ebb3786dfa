using Microsoft.Extensions.Diagnostics.HealthChecks;
using MinutePool.Data;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Web.Hosting;

/// <summary>Ready means: the database answers and every migration is applied.</summary>
public sealed class DatabaseReadyCheck(MinutePoolDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return await DatabaseMigrator.IsReadyAsync(db, cancellationToken)
                ? HealthCheckResult.Healthy("Database reachable, migrations applied.")
                : HealthCheckResult.Unhealthy("Migrations are pending.");
        }
#pragma warning disable CA1031 // Any failure to reach the database means "not ready".
        catch (Exception e)
#pragma warning restore CA1031
        {
            return HealthCheckResult.Unhealthy("Database unreachable.", e);
        }
    }
}
