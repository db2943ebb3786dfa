using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Accounts;
using MinutePool.Core.Workspaces;
using MinutePool.Data;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Hosting;

/// <summary>The host as `dotnet run` starts it: migrate, seed the demo on an empty database, answer health checks.</summary>
public sealed class HostStartupTests
{
    [Fact]
    public async Task On_a_fresh_data_folder_the_app_creates_sqlite_migrates_seeds_the_demo_and_is_ready()
    {
        var folder = Path.Combine(Path.GetTempPath(), "minutepool-host", Guid.NewGuid().ToString("N"));
        try
        {
            await using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
                .UseSetting("MinutePool:Database:Provider", "Sqlite")
                .UseSetting("MinutePool:Database:DataFolder", folder));
            using var client = app.CreateClient();

            (await client.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
            (await client.GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
            File.Exists(Path.Combine(folder, "minutepool.db")).Should().BeTrue();

            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
            var account = await db.Accounts.IgnoreQueryFilters().SingleAsync();
            account.DistributionEnabled.Should().BeTrue();
            var workspaces = await db.Workspaces.IgnoreQueryFilters().ToListAsync();
            workspaces.Select(w => w.Kind).Should().BeEquivalentTo([WorkspaceKind.Client, WorkspaceKind.Department, WorkspaceKind.Location, WorkspaceKind.Project]);
            workspaces.Should().OnlyContain(w => w.AllocationMinutes > 0);
            workspaces.Sum(w => w.AllocationMinutes).Should().BeLessThanOrEqualTo(6_000);
            workspaces.Should().Contain(w => w.ResetDay == 20);
            (await db.Plans.SingleAsync(p => p.Code == "team-6000")).MinutesPerCycle.Should().Be(6_000);
            var calls = await db.Calls.IgnoreQueryFilters().Select(c => c.StartedAt).ToListAsync();
            calls.Count.Should().BeGreaterThan(500);
            calls.Min().Should().BeBefore(DateTimeOffset.UtcNow.AddDays(-85), "the demo has three months of history");
            (await db.Memberships.IgnoreQueryFilters().Select(m => m.Role).ToListAsync())
                .Should().BeEquivalentTo([AccountRole.Owner, AccountRole.Finance, AccountRole.Staff]);
            var bucketTotal = await db.UsageBuckets.IgnoreQueryFilters().SumAsync(b => b.BilledSeconds);
            bucketTotal.Should().Be(await db.Calls.IgnoreQueryFilters().SumAsync(c => c.BillableSeconds!.Value));
            (await db.AccountUsageDays.IgnoreQueryFilters().SumAsync(d => d.BilledSeconds))
                .Should().Be(bucketTotal, "the account's days (its cycle balance) hold the seeded buckets too");
            var pooledTotal = await (from b in db.UsageBuckets.IgnoreQueryFilters()
                                     join w in db.Workspaces.IgnoreQueryFilters() on new { b.AccountId, Id = b.WorkspaceId } equals new { w.AccountId, w.Id }
                                     where w.AllocationMinutes == null || w.ArchivedAt != null
                                     select b.BilledSeconds).SumAsync();
            (await db.AccountUsageDays.IgnoreQueryFilters().SumAsync(d => d.PoolBilledSeconds))
                .Should().Be(pooledTotal, "the days' pool part holds the seeded buckets of the workspaces without an allocation");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task With_the_postgres_provider_the_app_migrates_the_configured_database_and_is_ready()
    {
        var database = new PostgresDatabase { Migrate = false };
        await database.InitializeAsync();
        try
        {
            await using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
                .UseSetting("MinutePool:Database:Provider", "Postgres")
                .UseSetting("ConnectionStrings:MinutePool", database.ConnectionString)
                .UseSetting("MinutePool:Demo:SeedOnEmptyDatabase", "false"));
            using var client = app.CreateClient();

            (await client.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.OK);
            await using var scope = app.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
            db.IsPostgres.Should().BeTrue();
            (await db.Accounts.IgnoreQueryFilters().CountAsync()).Should().Be(0, "seeding was turned off");
        }
        finally
        {
            await database.DisposeAsync();
        }
    }
}
