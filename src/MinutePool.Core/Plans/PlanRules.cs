using MinutePool.Core.Common;

namespace MinutePool.Core.Plans;

/// <summary>What makes a plan valid. Limits are generous but finite so no number can overflow a balance.</summary>
public static class PlanRules
{
    public static readonly IReadOnlyList<int> BillingIncrements = [1, 6, 60];

    public const int MaxMinutesPerCycle = 100_000_000;
    public const int MaxMinimumBillableSeconds = 3_600;
    public const decimal MaxPrice = 1_000_000_000m;

    public static DomainError? Validate(Plan plan)
    {
        if (string.IsNullOrWhiteSpace(plan.Code) || plan.Code.Length > 64 || !plan.Code.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            return DomainError.Validation("code", "A plan code is 1 to 64 letters, digits, '-', '_' or '.'.");
        }

        if (!DisplayName.IsValid(plan.Name))
        {
            return DomainError.Validation("name", "A plan name is 1 to 200 printable characters.");
        }

        if (plan.MinutesPerCycle is <= 0 or > MaxMinutesPerCycle)
        {
            return DomainError.Validation("minutesPerCycle", $"Minutes per cycle must be 1 to {MaxMinutesPerCycle:N0}.");
        }

        if (plan.PriceAmount < 0 || plan.PriceAmount > MaxPrice || decimal.Round(plan.PriceAmount, 2) != plan.PriceAmount)
        {
            return DomainError.Validation("price.amount", "A price is 0 or more, with at most two decimals.");
        }

        if (plan.Currency is not { Length: 3 } || !plan.Currency.All(char.IsAsciiLetterUpper))
        {
            return DomainError.Validation("price.currency", "A currency is a three-letter ISO 4217 code, e.g. USD.");
        }

        if (!BillingIncrements.Contains(plan.BillingIncrementSeconds))
        {
            return DomainError.Validation("billingIncrementSeconds", "The billing increment is 1, 6 or 60 seconds.");
        }

        if (plan.MinimumBillableSeconds is < 0 or > MaxMinimumBillableSeconds)
        {
            return DomainError.Validation("minimumBillableSeconds", $"Minimum billable seconds must be 0 to {MaxMinimumBillableSeconds}.");
        }

        if (plan.ConcurrentCallLimit is < 1 or > 100_000)
        {
            return DomainError.Validation("concurrentCallLimit", "A concurrent-call limit is 1 to 100,000, or null for unlimited.");
        }

        return null;
    }
}
