using MinutePool.Core.Billing;
using MinutePool.Core.Common;

namespace MinutePool.Core.Accounts;

public static class AccountRules
{
    public static DomainError? CheckName(string? name) =>
        DisplayName.IsValid(name) ? null : DomainError.Validation("name", "An account name is 1 to 200 printable characters.");

    public static DomainError? CheckBillingDay(int? day) =>
        day is null or (>= 1 and <= 31) ? null : DomainError.Validation("billingDay", "A billing day is 1 to 31.");

    public static DomainError? CheckTimeZone(string? id) =>
        AccountTimeZone.TryParse(id, out _) ? null : DomainError.Validation("timeZone", "Use an IANA time zone id such as Europe/Berlin or America/New_York.");
}
