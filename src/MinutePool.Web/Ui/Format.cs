using System.Globalization;
using MinutePool.Core.Billing;

namespace MinutePool.Web.Ui;

/// <summary>Numbers and dates as people read them: thousands separators, dates in the account's time zone.</summary>
public static class Format
{
    public static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("en-US");

    /// <summary>Whole minutes with separators; seconds are truncated toward zero (−90 s is "−1 min").</summary>
    public static string Minutes(long seconds) => $"{(seconds / 60).ToString("N0", Culture)} min";

    public static string Minutes(int? minutes) => minutes is null ? "—" : $"{minutes.Value.ToString("N0", Culture)} min";

    /// <summary>Seconds as hours:minutes:seconds ("1:02:03", "1,234:00:00"), as billable time is documented.</summary>
    public static string Duration(long seconds)
    {
        var sign = seconds < 0 ? "−" : "";
        var abs = Math.Abs(seconds);
        return $"{sign}{(abs / 3600).ToString("N0", Culture)}:{abs / 60 % 60:00}:{abs % 60:00}";
    }

    public static string Number(long value) => value.ToString("N0", Culture);

    /// <summary>An amount with its currency code: 1,234.50 USD.</summary>
    public static string Money(decimal amount, string currency) => $"{amount.ToString("N2", Culture)} {currency}";

    /// <summary>A balance: below zero it is shown as overage.</summary>
    public static string Balance(long remainingSeconds) =>
        remainingSeconds < 0 ? $"{Minutes(-remainingSeconds)} over" : Minutes(remainingSeconds);

    public static string Date(DateTimeOffset instant, AccountTimeZone zone) => zone.ToLocal(instant).ToString("MMM d, yyyy", Culture);

    public static string DateTime(DateTimeOffset instant, AccountTimeZone zone) => zone.ToLocal(instant).ToString("MMM d, yyyy HH:mm", Culture);

    /// <summary>The last day a period covers (its end is the next period's first instant).</summary>
    public static string LastDay(Period period) => period.EndDate.AddDays(-1).ToString("MMM d, yyyy", Culture);

    public static string FirstDay(Period period) => period.StartDate.ToString("MMM d, yyyy", Culture);

    /// <summary>1st, 2nd, 3rd, 4th … 31st.</summary>
    public static string Ordinal(int day) => day + ((day % 100) is 11 or 12 or 13 ? "th" : (day % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });

    /// <summary>Share used, 0–100, for progress bars (over 100 is shown full).</summary>
    public static int Percent(long used, long total) => total <= 0 ? (used > 0 ? 100 : 0) : (int)Math.Clamp(used * 100 / total, 0, 100);
}
