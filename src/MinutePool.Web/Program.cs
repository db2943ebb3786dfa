using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Identity;
using MinutePool.Data;
using MinutePool.Data.Identity;
using MinutePool.Data.Infrastructure;
using MinutePool.Web.Accounts;
using MinutePool.Web.Api;
using MinutePool.Web.Api.Infrastructure;
using MinutePool.Web.Components;
using MinutePool.Web.Demo;
using MinutePool.Web.Jobs;
using MinutePool.Web.Ui;
using MinutePool.Web.Hosting;
using Serilog;

var builder = WebApplication.CreateBuilder(args);

Log.Logger = new LoggerConfiguration().ReadFrom.Configuration(builder.Configuration).CreateLogger();
builder.Logging.ClearProviders();
builder.Logging.AddSerilog(Log.Logger, dispose: true);

var options = builder.Configuration.GetSection(MinutePoolOptions.Section).Get<MinutePoolOptions>() ?? new MinutePoolOptions();
builder.Services.Configure<MinutePoolOptions>(builder.Configuration.GetSection(MinutePoolOptions.Section));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddMinutePoolData(options.Database.Provider, options.ConnectionString(builder.Configuration, builder.Environment.ContentRootPath), options.Database.RowLevelSecurity, options.Database.GroupCommit);
builder.Services.AddAuthentication(IdentityConstants.ApplicationScheme).AddIdentityCookies();
builder.Services.AddIdentityCore<AppUser>(identity =>
    {
        identity.User.RequireUniqueEmail = true;
        identity.Lockout.MaxFailedAccessAttempts = 5;
        identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
        identity.Lockout.AllowedForNewUsers = true;
    })
    .AddEntityFrameworkStores<MinutePoolDbContext>()
    .AddSignInManager();
builder.Services.ConfigureApplicationCookie(cookie =>
{
    cookie.LoginPath = "/signin";
    cookie.AccessDeniedPath = "/error/403";
    cookie.Cookie.Name = "minutepool.auth";
    cookie.Cookie.HttpOnly = true;
    cookie.Cookie.SameSite = SameSiteMode.Lax;
    cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
    cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
    cookie.SlidingExpiration = true;

    // A signed-in person without the role gets 403 and the "Not allowed" page, not a redirect.
    cookie.Events.OnRedirectToAccessDenied = context =>
    {
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    };
});

// Keys in the database: a cookie or antiforgery token issued by one instance is accepted by every other.
builder.Services.AddDataProtection().SetApplicationName("MinutePool").PersistKeysToDbContext<MinutePoolDbContext>();
builder.Services.AddHttpContextAccessor();
builder.Services.AddAuthorization(RolePolicies.Add);
builder.Services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationHandler, AccountRoleHandler>();
builder.Services.AddCascadingAuthenticationState();
builder.Services.AddRazorComponents();
builder.Services.AddScoped<UiSession>();
builder.AddMinutePoolJobs(
    options.Database.Provider,
    options.ConnectionString(builder.Configuration, builder.Environment.ContentRootPath),
    builder.Configuration.GetSection(JobOptions.Section).Get<JobOptions>() ?? new JobOptions());
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

// The API answers problem documents; the browser UI answers pages. Error pages are re-executed here,
// before routing, so the re-executed request finds the error page (inside a branch it found nothing).
// API errors never reach the page: ApiExceptionHandler and the API's status-code bodies answer first.
app.UseSecurityHeaders();
if (!app.Environment.IsDevelopment())
{
    app.UseHsts();
}

app.UseExceptionHandler("/error/500");
app.UseStatusCodePagesWithReExecute("/error/{0}");
app.UseWhen(ApiPaths.IsApi, api => api.UseStatusCodePages(ApiProblems.ForBareStatusAsync));
app.UseRouting();
app.UseApiBodyLimit(apiLimits);
app.UseBrowserMiddleware();
app.UseApiGate();
app.UseRateLimiter();
app.MapOpenApi();
app.MapMinutePoolApi();
app.MapUiEndpoints();
app.MapFinanceEndpoints();
app.MapRazorComponents<App>();

app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });

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
