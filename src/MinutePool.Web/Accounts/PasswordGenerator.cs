using System.Security.Cryptography;

namespace MinutePool.Web.Accounts;

/// <summary>Random passwords for new sign-ins (shown once), meeting Identity's default policy.</summary>
public static class PasswordGenerator
{
    /// <summary>Upper and lower case, a digit and a symbol, 72 random bits.</summary>
    public static string New() =>
        "Mp-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(9)).Replace('+', 'x').Replace('/', 'y') + "7a";
}
