namespace MinutePool.Core.Common;

/// <summary>
/// A name people give something (account, workspace, plan): 1 to 200 characters after trimming, none of them
/// a control character — PostgreSQL cannot store NUL in text, and line breaks or escapes have no place in a
/// name shown in tables and CSV files.
/// </summary>
public static class DisplayName
{
    public const int MaxLength = 200;

    public static bool IsValid(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Trim().Length <= MaxLength && !name.Any(char.IsControl);
}
