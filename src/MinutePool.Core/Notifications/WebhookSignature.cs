using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MinutePool.Core.Notifications;

/// <summary>
/// Signs webhook posts so a receiver can tell they come from MinutePool and were not altered or replayed.
/// Each post carries <c>MinutePool-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>, where the hex is the lowercase
/// HMAC-SHA256 of <c>"&lt;t&gt;.&lt;raw body&gt;"</c> (UTF-8) keyed with the UTF-8 bytes of the whole secret, prefix included.
/// A receiver recomputes it over the raw body it received, compares in constant time and refuses stale timestamps.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "MinutePool-Signature";

    public const string SecretPrefix = "whsec_";

    /// <summary>How far a signature's timestamp may be from the receiver's clock, either way.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>A new signing secret: <c>whsec_</c> and 32 random bytes, base64url (49 characters).</summary>
    public static string NewSecret() => SecretPrefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static string Sign(string secret, DateTimeOffset timestamp, string body) =>
        Sign(secret, timestamp, Encoding.UTF8.GetBytes(body));

    /// <inheritdoc cref="Sign(string, DateTimeOffset, string)"/>
    public static string Sign(string secret, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var t = timestamp.ToUnixTimeSeconds();
        return $"t={t.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(Mac(secret, t, body))}";
    }

    /// <summary>
    /// True when <paramref name="header"/> carries a <c>v1</c> signature of <paramref name="body"/> under
    /// <paramref name="secret"/> and its timestamp is within <paramref name="tolerance"/> (default 5 minutes) of
    /// <paramref name="now"/>. Several <c>v1</c> entries are accepted (any one may match); unknown keys are ignored.
    /// </summary>
    public static bool Verify(string? header, string body, string secret, DateTimeOffset now, TimeSpan? tolerance = null) =>
        Verify(header, Encoding.UTF8.GetBytes(body), secret, now, tolerance);

    /// <inheritdoc cref="Verify(string?, string, string, DateTimeOffset, TimeSpan?)"/>
    public static bool Verify(string? header, ReadOnlySpan<byte> body, string secret, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        if (string.IsNullOrEmpty(header) || string.IsNullOrEmpty(secret))
        {
            return false;
        }

        long? timestamp = null;
        var candidates = new List<string>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return false;
            }

            var (key, value) = (part[..equals], part[(equals + 1)..]);
            if (key == "t")
            {
                if (timestamp is not null || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
                {
                    return false;
                }

                timestamp = t;
            }
            else if (key == "v1")
            {
                candidates.Add(value);
            }
        }

        if (timestamp is not { } seconds || candidates.Count == 0)
        {
            return false;
        }

        var window = (long)Math.Floor((tolerance ?? DefaultTolerance).TotalSeconds);
        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > window)
        {
            return false;
        }

        var expected = Mac(secret, seconds, body);
        var matched = false;
        foreach (var candidate in candidates)
        {
            // Every candidate is compared (no early exit), each in constant time.
            matched |= candidate.Length == expected.Length * 2
                && IsLowerHex(candidate)
                && CryptographicOperations.FixedTimeEquals(Convert.FromHexString(candidate), expected);
        }

        return matched;
    }

    private static byte[] Mac(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }

    private static bool IsLowerHex(string value)
    {
        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
    }
}
