using System.Globalization;

namespace MinutePool.Core.Notifications;

/// <summary>Usage thresholds (percent of a scope's minutes) and which of them a balance has crossed.</summary>
public static class ThresholdRules
{
    public static readonly IReadOnlyList<int> Default = [80, 100];

    /// <summary>Parses "80,100"; anything unreadable falls back to the defaults.</summary>
    public static IReadOnlyList<int> Parse(string? percents)
    {
        var parsed = (percents ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1)
            .ToList();
        return parsed.Count == 0 || parsed.Any(p => p is < 1 or > 1000) ? Default : parsed.Distinct().Order().ToList();
    }

    /// <summary>The thresholds reached: used ≥ percent of total. A scope of zero minutes has crossed them all once anything is used.</summary>
    public static IEnumerable<int> Crossed(IReadOnlyList<int> thresholds, long usedSeconds, long totalSeconds) =>
        thresholds.Where(p => totalSeconds <= 0 ? usedSeconds > 0 : usedSeconds * 100 >= p * totalSeconds);
}
