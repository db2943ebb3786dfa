using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using MinutePool.Data;
using MinutePool.Data.Identity;
using MinutePool.Data.Infrastructure;
using MinutePool.Web.Accounts;
using MinutePool.Web.Api;
using MinutePool.Web.Api.Infrastructure;
using MinutePool.Web.Demo;
using MinutePool.Web.Hosting;
using Serilog;

var builder = WebApplication.CreateBuilder(args);

Log.Logger = new LoggerConfiguration().ReadFrom.Configuration(builder.Configuration).CreateLogger();
builder.Logging.ClearProviders();
builder.Logging.AddSerilog(Log.Logger, dispose: true);

var options = builder.Configuration.GetSection(MinutePoolOptions.Section).Get<MinutePoolOptions>() ?? new MinutePoolOptions();
builder.Services.Configure<MinutePoolOptions>(builder.Configuration.GetSection(MinutePoolOptions.Section));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddMinutePoolData(options.Database.Provider, options.ConnectionString(builder.Configuration, builder.Environment.ContentRootPath));
builder.Services.AddIdentityCore<AppUser>(identity =>
    {
        identity.User.RequireUniqueEmail = true;
        identity.Lockout.MaxFailedAccessAttempts = 5;
        identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
    })
    .AddEntityFrameworkStores<MinutePoolDbContext>();
builder.Services.AddScoped<DemoSeeder>();
builder.Services.AddScoped<AccountProvisioning>();

// API: strict JSON, problem details with codes for every failure, rate and size limits, OpenAPI.
var apiLimits = builder.Configuration.GetSection(ApiLimitOptions.Section).Get<ApiLimitOptions>() ?? new ApiLimitOptions();
builder.Services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));
builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ApiExceptionHandler>();
builder.Services.AddApiLimits(apiLimits);
builder.Services.AddOpenApi();
builder.Services.AddHealthChecks().AddCheck<DatabaseReadyCheck>("database", tags: ["ready"]);

var app = builder.Build();

await PrepareDatabaseAsync(app, options);

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiBodyLimit(apiLimits);
app.UseRateLimiter();
app.MapOpenApi();
app.MapMinutePoolApi();

app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
app.MapGet("/", () => Results.Text("MinutePool is running. See /health/ready.", "text/plain"));

await app.RunAsync();

static async Task PrepareDatabaseAsync(WebApplication app, MinutePoolOptions options)
{
    await using var scope = app.Services.CreateAsyncScope();
    var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
    var logger = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("MinutePool.Startup");
    await DatabaseMigrator.MigrateAsync(db, logger);
    if (!options.Demo.SeedOnEmptyDatabase)
    {
        return;
    }

    var seeded = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedIfEmptyAsync();
    if (seeded is not null)
    {
        DemoBanner.Print(seeded);
    }
}

/// <summary>Exposed for WebApplicationFactory in the integration tests.</summary>
public partial class Program;
