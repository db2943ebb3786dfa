using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Workspaces;
using MinutePool.Data;
using MinutePool.Data.Accounts;
using MinutePool.Data.Identity;
using MinutePool.Data.Tenancy;
using MinutePool.Data.Workspaces;

namespace MinutePool.BrowserTests.Infrastructure;

/// <summary>
/// The real app (every middleware, page and endpoint) listening with Kestrel on a free loopback port,
/// on a fresh SQLite data folder with the demo seeded; the three demo people get a known password.
/// One per test class, so each class starts from the demo as it is seeded. Also owns the Chromium
/// that the class's browser tests drive.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    public const string Password = "Browser-Tests-1!";
    public const string OwnerEmail = "owner@demo.minutepool.test";
    public const string FinanceEmail = "finance@demo.minutepool.test";
    public const string StaffEmail = "staff@demo.minutepool.test";
    public const string AccountName = "Acme Legal LLP";

    private readonly string _dataFolder = Path.Combine(Path.GetTempPath(), "minutepool-browser-tests", Guid.NewGuid().ToString("N"));
    private WebApplicationFactory<Program>? _factory;
    private BrowserHost? _browser;

    /// <summary>The app's address, e.g. http://127.0.0.1:40123/.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public IServiceProvider Services => _factory!.Services;

    public Guid AccountId { get; private set; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataFolder);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web
            .UseSetting("MinutePool:Database:Provider", "Sqlite")
            .UseSetting("MinutePool:Database:DataFolder", _dataFolder)
            .UseSetting("ConnectionStrings:MinutePool", "")
            .UseSetting("MinutePool:Demo:SeedOnEmptyDatabase", "true"));
        _factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();

        var address = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no listening address.");
        BaseAddress = new Uri(address.TrimEnd('/') + "/");

        await using var scope = _factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        AccountId = (await db.Accounts.IgnoreQueryFilters().SingleAsync(a => a.Name == AccountName)).Id;
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        foreach (var email in new[] { OwnerEmail, FinanceEmail, StaffEmail })
        {
            var user = await users.FindByEmailAsync(email) ?? throw new InvalidOperationException($"The demo has no user {email}.");
            Succeeded(await users.RemovePasswordAsync(user), email);
            Succeeded(await users.AddPasswordAsync(user, Password), email);
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataFolder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is left for the OS's temp cleanup.
        }
    }

    /// <summary>The Chromium of this class, started on first use.</summary>
    public async Task<BrowserHost> BrowserAsync() => _browser ??= await BrowserHost.StartAsync();

    /// <summary>A scope acting for the demo account, like one request of its members.</summary>
    public AsyncServiceScope AccountScope()
    {
        var scope = _factory!.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantContext>().Set(AccountId);
        return scope;
    }

    /// <summary>The demo account's active workspaces as stored now.</summary>
    public async Task<IReadOnlyList<Workspace>> WorkspacesAsync()
    {
        await using var scope = AccountScope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        return await db.Workspaces.AsNoTracking().Where(w => w.ArchivedAt == null).OrderBy(w => w.Name).ToListAsync();
    }

    public async Task<Workspace> WorkspaceAsync(string name) => (await WorkspacesAsync()).Single(w => w.Name == name);

    public async Task<AccountSummary> SummaryAsync()
    {
        await using var scope = AccountScope();
        return (await scope.ServiceProvider.GetRequiredService<AccountService>().SummaryAsync())!;
    }

    public async Task<WorkspaceView> WorkspaceViewAsync(Guid workspaceId)
    {
        await using var scope = AccountScope();
        return (await scope.ServiceProvider.GetRequiredService<WorkspaceService>().GetAsync(workspaceId))!;
    }

    private static void Succeeded(IdentityResult result, string email)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Setting the password of {email}: " + string.Join("; ", result.Errors.Select(e => e.Description)));
        }
    }
}
