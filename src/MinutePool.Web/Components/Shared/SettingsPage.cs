using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
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

    /// <summary>
    /// Number fields the form binder could not read (12.5, 1e3, a value too large) arrive as null with
    /// no error, which would silently clear the setting; this reports them at their field instead.
    /// </summary>
    protected bool RejectUnparsed(EditContext context, ValidationMessageStore messages, string formPrefix, params string[] properties)
    {
        if (HttpContext?.Request is not { HasFormContentType: true } request)
        {
            return false;
        }

        var rejected = false;
        foreach (var property in properties)
        {
            var raw = request.Form[$"{formPrefix}.{property}"].ToString();
            var bound = context.Model.GetType().GetProperty(property)?.GetValue(context.Model);
            if (!string.IsNullOrWhiteSpace(raw) && bound is null)
            {
                messages.Add(context.Field(property), $"Enter a whole number; \"{raw}\" is not one this field accepts.");
                rejected = true;
            }
        }

        if (rejected)
        {
            context.NotifyValidationStateChanged();
        }

        return rejected;
    }

    /// <summary>Checks the signed-in member's role; on refusal sets 403 and returns false.</summary>
    protected bool Allow(params AccountRole[] roles)
    {
        if (Session.IsSignedIn && Session.Has(roles))
        {
            return true;
        }

        Forbidden = true;
        AnswerWith(StatusCodes.Status403Forbidden);
        return false;
    }

    /// <summary>
    /// Sets the answer's status while the page renders its own message. The status-code error page is switched
    /// off for this answer: re-executing it inside a rendering component fails ("NavigationManager already
    /// initialized") and would turn a 404 into a 500.
    /// </summary>
    protected void AnswerWith(int status)
    {
        if (HttpContext is { Response.HasStarted: false } http)
        {
            http.Response.StatusCode = status;
            if (http.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
            {
                pages.Enabled = false;
            }
        }
    }
}
