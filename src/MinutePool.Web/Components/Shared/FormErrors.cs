using Microsoft.AspNetCore.Components.Forms;
using MinutePool.Core.Common;

namespace MinutePool.Web.Components.Shared;

/// <summary>Shows a domain refusal next to the field it names (API field names are camelCase; form properties PascalCase).</summary>
public static class FormErrors
{
    public static void Show(EditContext context, ValidationMessageStore messages, DomainError error, string fallbackField)
    {
        var field = error.Field is { Length: > 0 } name ? char.ToUpperInvariant(name[0]) + name[1..] : fallbackField;
        if (context.Model.GetType().GetProperty(field) is null)
        {
            field = fallbackField;
        }

        messages.Add(context.Field(field), error.Message);
        context.NotifyValidationStateChanged();
    }
}
