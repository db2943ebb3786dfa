using System.Text.Json;
using MinutePool.Core.Common;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Workspaces;

namespace MinutePool.Web.Api.Workspaces;

/// <summary>
/// Reads a PATCH body, where an absent member means "leave as is" and <c>null</c> means "clear"
/// (allocationMinutes, concurrentCallLimit, resetDay back to the billing day). A typed record cannot
/// tell those apart, so the members are read one by one.
/// </summary>
public static class WorkspacePatchReader
{
    private static readonly HashSet<string> Known = ["name", "kind", "allocationMinutes", "resetDay", "concurrentCallLimit"];

    public static Result<WorkspacePatch> Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return DomainError.Validation("body", "The body must be a JSON object.");
        }

        foreach (var property in body.EnumerateObject())
        {
            if (!Known.Contains(property.Name))
            {
                return DomainError.Validation(property.Name, $"'{property.Name}' is not a workspace field. Known: {string.Join(", ", Known)}.");
            }
        }

        var name = Optional<string>.Unset;
        if (body.TryGetProperty("name", out var nameValue))
        {
            if (nameValue.ValueKind != JsonValueKind.String)
            {
                return DomainError.Validation("name", "name must be a string.");
            }

            name = Optional<string>.Of(nameValue.GetString()!);
        }

        var kind = Optional<WorkspaceKind>.Unset;
        if (body.TryGetProperty("kind", out var kindValue))
        {
            if (kindValue.ValueKind != JsonValueKind.String || !Enum.TryParse<WorkspaceKind>(kindValue.GetString(), ignoreCase: true, out var parsed)
                || !Enum.IsDefined(parsed) || int.TryParse(kindValue.GetString(), out _))
            {
                return DomainError.Validation("kind", $"kind is one of: {string.Join(", ", Enum.GetNames<WorkspaceKind>().Select(JsonNamingPolicy.CamelCase.ConvertName))}.");
            }

            kind = Optional<WorkspaceKind>.Of(parsed);
        }

        var allocation = NullableInt(body, "allocationMinutes");
        var resetDay = NullableInt(body, "resetDay");
        var limit = NullableInt(body, "concurrentCallLimit");
        if (!allocation.IsSuccess || !resetDay.IsSuccess || !limit.IsSuccess)
        {
            return (allocation.Error ?? resetDay.Error ?? limit.Error)!;
        }

        return new WorkspacePatch(name, kind, allocation.Value, resetDay.Value, limit.Value);
    }

    private static Result<Optional<int?>> NullableInt(JsonElement body, string member)
    {
        if (!body.TryGetProperty(member, out var value))
        {
            return Optional<int?>.Unset;
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return Optional<int?>.Of(null);
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? Optional<int?>.Of(number)
            : DomainError.Validation(member, $"{member} must be a whole number or null.");
    }
}
