namespace MinutePool.Core.Billing;

/// <summary>
/// Splits a price across parts in proportion to their billable seconds so that the shares add up to the
/// price to the cent: each part first gets its share rounded down to the cent, then the cents left over
/// go one each to the parts with the largest remainders (ties: the larger usage, then the smaller key).
/// With no usage at all nothing is split and every share is zero.
/// </summary>
public static class CostSplit
{
    public static IReadOnlyDictionary<TKey, decimal> Split<TKey>(decimal price, IReadOnlyList<(TKey Key, long Seconds)> parts)
        where TKey : notnull, IComparable<TKey>
    {
        ArgumentOutOfRangeException.ThrowIfNegative(price);
        var total = parts.Sum(p => p.Seconds);
        if (total <= 0)
        {
            return parts.ToDictionary(p => p.Key, _ => 0m);
        }

        var totalCents = (long)decimal.Round(price * 100, 0, MidpointRounding.AwayFromZero);
        var shares = parts.Select(p =>
        {
            var exact = (decimal)totalCents * p.Seconds / total;
            var floor = decimal.Floor(exact);
            return (p.Key, p.Seconds, Cents: (long)floor, Remainder: exact - floor);
        }).ToList();
        var left = totalCents - shares.Sum(s => s.Cents);
        var winners = shares
            .OrderByDescending(s => s.Remainder).ThenByDescending(s => s.Seconds).ThenBy(s => s.Key)
            .Take((int)left)
            .Select(s => s.Key)
            .ToHashSet();
        return shares.ToDictionary(s => s.Key, s => (s.Cents + (winners.Contains(s.Key) ? 1 : 0)) / 100m);
    }
}
