using System.Security.Cryptography;
using System.Text;

namespace MinutePool.Core.Accounts;

/// <summary>
/// An account's API key. The key is shown once; only its SHA-256 is stored. Keys are found by their
/// public <see cref="Prefix"/> before the account is known, so like the user-ID directory this table is
/// keyed globally by prefix (a reference table under Citus).
/// </summary>
public sealed class ApiKey
{
    public string Prefix { get; set; } = "";

    public Guid AccountId { get; set; }

    public string Name { get; set; } = "";

    public string SecretHash { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    /// <summary>Creates a key; returns the entity and the plain key (<c>mp_{prefix}_{secret}</c>) to show once.</summary>
    public static (ApiKey Key, string PlainText) Create(Guid accountId, string name, DateTimeOffset now)
    {
        var prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(24));
        var key = new ApiKey { Prefix = prefix, AccountId = accountId, Name = name, SecretHash = HashSecret(secret), CreatedAt = now };
        return (key, $"mp_{prefix}_{secret}");
    }

    /// <summary>Splits <c>mp_{prefix}_{secret}</c>.</summary>
    public static bool TryParse(string? plainText, out string prefix, out string secret)
    {
        prefix = secret = "";
        if (plainText is null || !plainText.StartsWith("mp_", StringComparison.Ordinal))
        {
            return false;
        }

        var rest = plainText.AsSpan(3);
        var separator = rest.IndexOf('_');
        if (separator != 12)
        {
            return false;
        }

        prefix = rest[..separator].ToString();
        secret = rest[(separator + 1)..].ToString();
        return secret.Length > 0;
    }

    public bool Matches(string secret) =>
        CryptographicOperations.FixedTimeEquals(Convert.FromHexString(SecretHash), SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string HashSecret(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
