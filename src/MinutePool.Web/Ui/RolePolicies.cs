using Microsoft.AspNetCore.Authorization;
using MinutePool.Core.Accounts;

namespace MinutePool.Web.Ui;

/// <summary>
/// Page-level role checks, enforced by the authorization middleware before a page renders or a form
/// post is dispatched (so a refused post answers 403, not a framework error). Roles are per account,
/// so the requirement reads the request's <see cref="UiSession"/>. Pages re-check in every handler.
/// </summary>
public static class RolePolicies
{
    public const string Owner = "role:owner";
    public const string OwnerOrFinance = "role:owner-or-finance";
    public const string Member = "role:member";

    public static void Add(AuthorizationOptions options)
    {
        options.AddPolicy(Owner, p => p.RequireAuthenticatedUser().AddRequirements(new AccountRoleRequirement(AccountRole.Owner)));
        options.AddPolicy(OwnerOrFinance, p => p.RequireAuthenticatedUser().AddRequirements(new AccountRoleRequirement(AccountRole.Owner, AccountRole.Finance)));
        options.AddPolicy(Member, p => p.RequireAuthenticatedUser().AddRequirements(new AccountRoleRequirement(AccountRole.Owner, AccountRole.Finance, AccountRole.Staff)));
    }
}

public sealed class AccountRoleRequirement(params AccountRole[] roles) : IAuthorizationRequirement
{
    public IReadOnlyList<AccountRole> Roles { get; } = roles;
}

public sealed class AccountRoleHandler(IHttpContextAccessor http) : AuthorizationHandler<AccountRoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, AccountRoleRequirement requirement)
    {
        var session = http.HttpContext?.RequestServices.GetService<UiSession>();
        if (session is { IsSignedIn: true } && session.Has([.. requirement.Roles]))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
