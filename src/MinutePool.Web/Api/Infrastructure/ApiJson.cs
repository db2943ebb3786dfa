using System.Text.Json;
using System.Text.Json.Serialization;

namespace MinutePool.Web.Api.Infrastructure;

/// <summary>
/// JSON as integrators get it: camelCase, enums as camelCase strings, and strict reading — unknown
/// members and duplicate keys are refused with 400 rather than silently ignored (a typo in a PATCH
/// must not look like success).
/// </summary>
public static class ApiJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.AllowDuplicateProperties = false;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }
}
