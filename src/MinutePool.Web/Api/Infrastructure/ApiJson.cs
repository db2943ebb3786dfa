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
        options.Converters.Add(new TextWithoutNul());
    }

    /// <summary>
    /// PostgreSQL cannot hold U+0000 in text, so a string carrying it could not even be looked up; it is
    /// refused while reading (400 naming the field) instead of failing in the database.
    /// </summary>
    private sealed class TextWithoutNul : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var value = reader.GetString();
            return value is not null && value.Contains('\0', StringComparison.Ordinal)
                ? throw new JsonException("Text may not contain the NUL character (\\u0000).")
                : value;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }
}
