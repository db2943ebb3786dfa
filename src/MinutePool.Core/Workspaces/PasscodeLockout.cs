namespace MinutePool.Core.Workspaces;

/// <summary>
/// Wrong-passcode tracking for one user ID: <see cref="MaxFailures"/> failures within
/// <see cref="Window"/> lock the user ID for <see cref="LockDuration"/> from the last failure.
/// A correct passcode clears the count.
/// </summary>
public sealed class PasscodeLockout
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan LockDuration = TimeSpan.FromMinutes(15);

    public string UserId { get; set; } = "";

    public int Failures { get; set; }

    public DateTimeOffset WindowStartedAt { get; set; }

    public DateTimeOffset? LockedUntil { get; set; }

    public bool IsLocked(DateTimeOffset now) => LockedUntil is { } until && now < until;

    public void RegisterFailure(DateTimeOffset now)
    {
        if (Failures == 0 || now - WindowStartedAt > Window)
        {
            Failures = 0;
            WindowStartedAt = now;
        }

        Failures++;
        if (Failures >= MaxFailures)
        {
            LockedUntil = now + LockDuration;
            Failures = 0;
        }
    }

    public void RegisterSuccess()
    {
        Failures = 0;
        LockedUntil = null;
    }
}
