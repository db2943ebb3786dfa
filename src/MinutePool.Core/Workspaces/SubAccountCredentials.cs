using System.Security.Cryptography;

namespace MinutePool.Core.Workspaces;

/// <summary>Generates sub-account user IDs and passcodes from a cryptographic random source.</summary>
public static class SubAccountCredentials
{
    public const int DefaultPasscodeLength = 8;

    /// <summary>8 digits, never starting with 0, so it survives being typed into a keypad or a spreadsheet.</summary>
    public static string NewUserId() => RandomNumberGenerator.GetInt32(10_000_000, 100_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string NewPasscode(int length = DefaultPasscodeLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 6);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 12);
        return string.Create(length, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('0' + RandomNumberGenerator.GetInt32(10));
            }
        });
    }

    public static bool IsWellFormedUserId(string? userId) => userId is { Length: 8 } && userId[0] != '0' && userId.All(char.IsAsciiDigit);

    public static bool IsWellFormedPasscode(string? passcode) => passcode is { Length: >= 6 and <= 12 } && passcode.All(char.IsAsciiDigit);
}

/// <summary>
/// Salted PBKDF2-SHA256 hashes of passcodes. Passcodes are short digit strings, so the real protection
/// against guessing is <see cref="PasscodeLockout"/>; the work factor is kept moderate because every
/// conference-bridge call start verifies one.
/// </summary>
public static class PasscodeHasher
{
    private const int Iterations = 20_000;
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const string Version = "v1";

    public static string Hash(string passcode)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(passcode, salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return $"{Version}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    public static bool Verify(string passcode, string stored)
    {
        var parts = stored.Split('$');
        var salt = new byte[SaltBytes * 2];
        var expected = new byte[HashBytes * 2];
        if (parts.Length != 4 || parts[0] != Version || !int.TryParse(parts[1], out var iterations) || iterations < 1
            || !Convert.TryFromBase64String(parts[2], salt, out var saltLength) || !Convert.TryFromBase64String(parts[3], expected, out var hashLength)
            || saltLength == 0 || hashLength == 0)
        {
            return false;
        }

        salt = salt[..saltLength];
        expected = expected[..hashLength];
        var actual = Rfc2898DeriveBytes.Pbkdf2(passcode, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
