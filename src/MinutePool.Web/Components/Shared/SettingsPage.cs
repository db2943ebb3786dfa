using Microsoft.AspNetCore.Components;
using MinutePool.Core.Accounts;
using MinutePool.Web.Ui;

namespace MinutePool.Web.Components.Shared;

/// <summary>
/// Base of every settings page: the role check runs on the server for the page and again in every form
/// handler (a hidden button is not a permission). A refused request answers 403 with a message.
/// </summary>
public abstract class SettingsPage : ComponentBase
{
    [CascadingParameter]
    public HttpContext? HttpContext { get; set; }

    [Inject]
    public UiSession Session { get; set; } = null!;

    [Inject]
    public NavigationManager Navigation { get; set; } = null!;

    /// <summary>True once a check refused this request; the page then shows only the refusal.</summary>
    protected bool Forbidden { get; private set; }

    /// <summary>Roles that may see the page.</summary>
    protected abstract AccountRole[] Readers { get; }

    protected override async Task OnInitializedAsync()
    {
        if (Allow(Readers))
        {
            await LoadAsync();
        }
    }

    /// <summary>Loads what the page shows; called only for allowed readers.</summary>
    protected abstract Task LoadAsync();

    /// <summary>Checks the signed-in member's role; on refusal sets 403 and returns false.</summary>
    protected bool Allow(params AccountRole[] roles)
    {
        if (Session.IsSignedIn && Session.Has(roles))
        {
            return true;
        }

        Forbidden = true;
        if (HttpContext is { Response.HasStarted: false } http)
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
        }

        return false;
    }
}
