using FluentAssertions;
using MinutePool.Core.Workspaces;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Workspaces;

/// <summary>DESIGN.md, "Sub-accounts": repeated wrong passcodes lock the user ID for a while.</summary>
public sealed class PasscodeLockoutTests
{
    private static PasscodeLockout Lockout() => new() { UserId = "12345678" };

    [Fact]
    public void Four_failures_do_not_lock()
    {
        var lockout = Lockout();
        for (var i = 0; i < 4; i++)
        {
            lockout.RegisterFailure(Now.AddMinutes(i));
        }

        lockout.IsLocked(Now.AddMinutes(4)).Should().BeFalse();
        lockout.FailuresInWindow(Now.AddMinutes(4)).Should().Be(4);
        lockout.LockedUntil.Should().BeNull();
    }

    [Fact]
    public void Five_failures_within_15_minutes_lock_for_15_minutes_from_the_last_failure()
    {
        var lockout = Lockout();
        var times = new[] { 0, 3, 7, 11, 14 }.Select(m => Now.AddMinutes(m)).ToArray();
        foreach (var at in times)
        {
            lockout.RegisterFailure(at);
        }

        var last = times[^1];
        lockout.LockedUntil.Should().Be(last.AddMinutes(15));
        lockout.IsLocked(last).Should().BeTrue();
        lockout.IsLocked(last.AddMinutes(15).AddSeconds(-1)).Should().BeTrue();
        lockout.IsLocked(last.AddMinutes(15)).Should().BeFalse();
    }

    [Fact]
    public void Five_failures_in_quick_succession_lock()
    {
        var lockout = Lockout();
        for (var i = 0; i < 5; i++)
        {
            lockout.RegisterFailure(Now.AddSeconds(i));
        }

        lockout.IsLocked(Now.AddSeconds(5)).Should().BeTrue();
        lockout.LockedUntil.Should().Be(Now.AddSeconds(4).AddMinutes(15));
    }

    [Fact]
    public void Failures_spread_over_more_than_the_window_do_not_lock()
    {
        var lockout = Lockout();
        foreach (var minute in new[] { 0, 4, 8, 12, 16 })
        {
            lockout.RegisterFailure(Now.AddMinutes(minute));
        }

        lockout.IsLocked(Now.AddMinutes(16)).Should().BeFalse();
        lockout.LockedUntil.Should().BeNull();
    }

    [Fact]
    public void Failures_one_per_hour_never_lock()
    {
        var lockout = Lockout();
        for (var hour = 0; hour < 24; hour++)
        {
            lockout.RegisterFailure(Now.AddHours(hour));
            lockout.IsLocked(Now.AddHours(hour)).Should().BeFalse();
        }
    }

    [Fact]
    public void A_success_clears_the_count()
    {
        var lockout = Lockout();
        for (var i = 0; i < 4; i++)
        {
            lockout.RegisterFailure(Now.AddMinutes(i));
        }

        lockout.RegisterSuccess();
        lockout.RegisterFailure(Now.AddMinutes(5));

        lockout.FailuresInWindow(Now.AddMinutes(5)).Should().Be(1);
        lockout.IsLocked(Now.AddMinutes(5)).Should().BeFalse();
    }

    [Fact]
    public void A_success_clears_a_lock()
    {
        var lockout = Lockout();
        for (var i = 0; i < 5; i++)
        {
            lockout.RegisterFailure(Now.AddMinutes(i));
        }

        lockout.IsLocked(Now.AddMinutes(5)).Should().BeTrue();
        lockout.RegisterSuccess();

        lockout.IsLocked(Now.AddMinutes(5)).Should().BeFalse();
        lockout.LockedUntil.Should().BeNull();
        lockout.FailuresInWindow(Now.AddMinutes(5)).Should().Be(0);
    }

    [Fact]
    public void After_a_lock_expires_five_new_failures_are_needed_to_lock_again()
    {
        var lockout = Lockout();
        for (var i = 0; i < 5; i++)
        {
            lockout.RegisterFailure(Now.AddMinutes(i));
        }

        var afterLock = Now.AddMinutes(4 + 15);
        lockout.IsLocked(afterLock).Should().BeFalse();
        lockout.RegisterFailure(afterLock);
        lockout.IsLocked(afterLock).Should().BeFalse();
    }

    /// <summary>
    /// The window slides: failures that straddle the 15 minutes after the first failure still lock once
    /// five of them fall within any 15 minutes (a fixed window anchored at the first failure did not).
    /// </summary>
    [Fact]
    public void Five_failures_within_15_minutes_lock_even_when_they_straddle_the_first_failures_window()
    {
        var lockout = Lockout();
        lockout.RegisterFailure(Now);                      // opens the window
        var burst = new[] { 14 * 60 + 57, 14 * 60 + 58, 14 * 60 + 59, 15 * 60 + 1, 15 * 60 + 2, 15 * 60 + 3 }
            .Select(s => Now.AddSeconds(s))
            .ToArray();
        foreach (var at in burst)
        {
            lockout.RegisterFailure(at);
        }

        // Six failures within 6 seconds (14:57 to 15:03 after the first one), seven within 15:03.
        (burst[^1] - burst[0]).Should().Be(TimeSpan.FromSeconds(6));
        lockout.IsLocked(burst[^1]).Should().BeTrue("six wrong passcodes were entered within 6 seconds");
    }
}
