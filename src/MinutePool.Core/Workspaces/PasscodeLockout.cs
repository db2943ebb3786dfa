using System.Globalization;

namespace MinutePool.Core.Workspaces;

/// <summary>
/// Wrong-passcode tracking for one user ID: <see cref="MaxFailures"/> failures within any
/// <see cref="Window"/> (a sliding window) lock the user ID for <see cref="LockDuration"/> from the last
/// failure. A correct passcode clears the record.
/// </summary>
public sealed class PasscodeLockout
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan LockDuration = TimeSpan.FromMinutes(15);

    public string UserId { get; set; } = "";

    /// <summary>Unix milliseconds of the failures still inside the window, oldest first, comma-separated (at most <see cref="MaxFailures"/>).</summary>
    public string RecentFailures { get; set; } = "";

    public DateTimeOffset? LockedUntil { get; set; }

    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && now < until;

    public int FailuresInWindow(DateTimeOffset now) => Failures().Count(f => now - f < Window);

    public void RegisterFailure(DateTimeOffset now)
    {
        var recent = Failures().Where(f => now - f < Window).Append(now).TakeLast(MaxFailures).ToList();
        if (recent.Count >= MaxFailures)
        {
            LockedUntil = now + LockDuration;
            recent.Clear();
        }

        RecentFailures = string.Join(',', recent.Select(f => f.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)));
    }

    public void RegisterSuccess()
    {
        RecentFailures = "";
        LockedUntil = null;
    }

    private IEnumerable<DateTimeOffset> Failures() =>
        RecentFailures.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(ms => DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(ms, CultureInfo.InvariantCulture)));
}
