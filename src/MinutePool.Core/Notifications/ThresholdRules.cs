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

    /// <summary>Validates owner input such as "50, 80, 100": 1 to 5 whole percentages from 1 to 1,000.</summary>
    public static Common.Result<IReadOnlyList<int>> ParseInput(string? input)
    {
        var parts = (input ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new List<int>();
        foreach (var part in parts)
        {
            if (!int.TryParse(part.TrimEnd('%').Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value is < 1 or > 1000)
            {
                return Common.DomainError.Validation("thresholdPercents", $"'{part}' is not a percentage from 1 to 1,000.");
            }

            values.Add(value);
        }

        return values.Count is < 1 or > 5
            ? Common.DomainError.Validation("thresholdPercents", "Give 1 to 5 percentages, separated by commas, e.g. 80, 100.")
            : values.Distinct().Order().ToList();
    }

    /// <summary>The thresholds reached: used ≥ percent of total. A scope of zero minutes has crossed them all once anything is used.</summary>
    public static IEnumerable<int> Crossed(IReadOnlyList<int> thresholds, long usedSeconds, long totalSeconds) =>
        thresholds.Where(p => totalSeconds <= 0 ? usedSeconds > 0 : usedSeconds * 100 >= p * totalSeconds);
}
