using System.Security.Claims;
using MinutePool.Core.Accounts;
using MinutePool.Data.Accounts;
using MinutePool.Data.Tenancy;

namespace MinutePool.Web.Ui;

/// <summary>
/// The signed-in person in the browser UI and the account they act for. Resolved once per request from
/// the sign-in cookie, the person's memberships and the account they picked in the switcher; the
/// request's tenant is set to that account, so every query below sees only it.
/// </summary>
public sealed class UiSession
{
    public const string AccountCookie = "mp_account";

    public Guid UserId { get; private set; }

    public string Email { get; private set; } = "";

    public IReadOnlyList<MembershipOption> Accounts { get; private set; } = [];

    public MembershipOption? Current { get; private set; }

    public bool IsSignedIn => Current is not null;

    public AccountRole? Role => Current?.Role;

    public bool IsOwner => Role == AccountRole.Owner;

    /// <summary>Unread notices of the current account, for the bell in the header.</summary>
    public int UnreadNotifications { get; set; }

    /// <summary>The audit actor for changes made in the browser.</summary>
    public string Actor => $"user:{Email}";

    public bool Has(params AccountRole[] roles) => Role is { } role && roles.Contains(role);

    public async Task ResolveAsync(ClaimsPrincipal user, string? selectedAccount, MemberService members, TenantContext tenant, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return;
        }

        UserId = userId;
        Email = user.FindFirstValue(ClaimTypes.Name) ?? user.FindFirstValue(ClaimTypes.Email) ?? "";
        Accounts = await members.AccountsOfAsync(userId, cancellationToken);
        Current = Accounts.FirstOrDefault(a => Guid.TryParse(selectedAccount, out var id) && a.AccountId == id) ?? Accounts.FirstOrDefault();
        if (Current is not null)
        {
            tenant.Set(Current.AccountId);
        }
    }
}

public static class UiSessionMiddleware
{
    /// <summary>
    /// For signed-in browser requests, resolves <see cref="UiSession"/>. It runs in the browser's branch of the pipeline
    /// (<see cref="Hosting.BrowserMiddleware"/>), which API requests never enter.
    /// </summary>
    public static IApplicationBuilder UseUiSession(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.User.Identity?.IsAuthenticated == true)
        {
            var session = http.RequestServices.GetRequiredService<UiSession>();
            await session.ResolveAsync(
                http.User,
                http.Request.Cookies[UiSession.AccountCookie],
                http.RequestServices.GetRequiredService<MemberService>(),
                http.RequestServices.GetRequiredService<TenantContext>(),
                http.RequestAborted);

            // Read here, before rendering: the layout and the page render concurrently in static SSR and must
            // not share the request's DbContext at the same time (the layout querying it raced with pages).
            if (session.IsSignedIn)
            {
                session.UnreadNotifications = await http.RequestServices.GetRequiredService<MinutePool.Data.Notifications.NotificationQueries>().UnreadCountAsync(http.RequestAborted);
            }
        }

        await next(http);
    });
}
