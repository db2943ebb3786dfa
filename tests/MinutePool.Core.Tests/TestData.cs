using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;
using MinutePool.Core.Plans;
using MinutePool.Core.Workspaces;

namespace MinutePool.Core.Tests;

/// <summary>Fixed instants and small builders shared by the tests. Nothing here reads the clock.</summary>
internal static class TestData
{
    /// <summary>The "now" of most tests: Tuesday 15 June 2027, 12:00 UTC.</summary>
    public static readonly DateTimeOffset Now = Utc(2027, 6, 15, 12);

    /// <summary>When the test accounts were created and got their first plan.</summary>
    public static readonly DateTimeOffset AccountCreated = Utc(2027, 1, 1);

    public static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    public static Plan Plan(string code, int minutes, int billingIncrementSeconds = 1, int minimumBillableSeconds = 30) => new()
    {
        Code = code,
        Name = code,
        MinutesPerCycle = minutes,
        PriceAmount = 99.00m,
        Currency = "USD",
        BillingIncrementSeconds = billingIncrementSeconds,
        MinimumBillableSeconds = minimumBillableSeconds,
        CreatedAt = AccountCreated,
    };

    public static Account Account(string timeZoneId = "UTC", int billingDay = 1, bool distributionEnabled = false) => new()
    {
        Name = "Acme",
        TimeZoneId = timeZoneId,
        BillingDay = billingDay,
        DistributionEnabled = distributionEnabled,
        CreatedAt = AccountCreated,
    };

    /// <summary>An account on one plan since <see cref="AccountCreated"/>, whose active workspaces hold <paramref name="allocatedMinutes"/>.</summary>
    public static AccountState State(Account account, Plan plan, long allocatedMinutes = 0) =>
        new(account, new PlanSchedule([(AccountCreated, plan)]), allocatedMinutes);

    public static Workspace Workspace(Account account, int? allocationMinutes = null, int? resetDay = null) => new()
    {
        AccountId = account.Id,
        Name = "Workspace",
        UserId = "12345678",
        AllocationMinutes = allocationMinutes,
        ResetDay = resetDay,
        CreatedAt = AccountCreated,
    };

    public static PeriodCalendar Calendar(string timeZoneId, int anchorDay) => new(AccountTimeZone.Parse(timeZoneId), anchorDay);
}
