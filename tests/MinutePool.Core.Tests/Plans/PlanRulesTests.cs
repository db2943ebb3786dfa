using FluentAssertions;
using MinutePool.Core.Common;
using MinutePool.Core.Plans;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Plans;

/// <summary>DESIGN.md, "Plans and billing cycles": what makes a plan valid.</summary>
public sealed class PlanRulesTests
{
    private static void ShouldFail(Plan plan, string field)
    {
        var error = PlanRules.Validate(plan);

        error.Should().NotBeNull();
        error!.Code.Should().Be(ErrorCodes.ValidationFailed);
        error.Field.Should().Be(field);
    }

    [Fact]
    public void A_new_plan_has_the_documented_defaults()
    {
        var plan = new Plan();

        plan.BillingIncrementSeconds.Should().Be(1);
        plan.MinimumBillableSeconds.Should().Be(30);
        plan.ConcurrentCallLimit.Should().BeNull();
        plan.MaxCallLengthSeconds.Should().Be(4 * 60 * 60);
    }

    [Fact]
    public void A_well_formed_plan_is_valid()
    {
        PlanRules.Validate(Plan("team-6000", 6000)).Should().BeNull();
        Plan("team-6000", 6000).SecondsPerCycle.Should().Be(360_000);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(60)]
    public void Billing_increments_1_6_and_60_are_accepted(int increment)
    {
        PlanRules.Validate(Plan("p", 6000, billingIncrementSeconds: increment)).Should().BeNull();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(30)]
    [InlineData(61)]
    [InlineData(-1)]
    public void Other_billing_increments_are_refused(int increment)
    {
        ShouldFail(Plan("p", 6000, billingIncrementSeconds: increment), "billingIncrementSeconds");
    }

    [Theory]
    [InlineData("USD")]
    [InlineData("EUR")]
    [InlineData("CHF")]
    public void Currencies_of_three_upper_case_letters_are_accepted(string currency)
    {
        var plan = Plan("p", 6000);
        plan.Currency = currency;

        PlanRules.Validate(plan).Should().BeNull();
    }

    [Theory]
    [InlineData("usd")]
    [InlineData("Usd")]
    [InlineData("US")]
    [InlineData("USDT")]
    [InlineData("U5D")]
    [InlineData("ÉUR")]
    [InlineData("")]
    public void Other_currencies_are_refused(string currency)
    {
        var plan = Plan("p", 6000);
        plan.Currency = currency;

        ShouldFail(plan, "price.currency");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(PlanRules.MaxMinutesPerCycle + 1)]
    public void Minutes_per_cycle_must_be_positive_and_bounded(int minutes)
    {
        ShouldFail(Plan("p", minutes), "minutesPerCycle");
    }

    [Fact]
    public void Prices_are_non_negative_with_at_most_two_decimals()
    {
        var plan = Plan("p", 6000);

        plan.PriceAmount = 0m;
        PlanRules.Validate(plan).Should().BeNull();
        plan.PriceAmount = 1.005m;
        ShouldFail(plan, "price.amount");
        plan.PriceAmount = -0.01m;
        ShouldFail(plan, "price.amount");
    }

    [Theory]
    [InlineData("")]
    [InlineData("team 6000")]
    [InlineData("team/6000")]
    public void Codes_are_letters_digits_and_dash_underscore_dot(string code)
    {
        ShouldFail(Plan(code, 6000), "code");
    }

    [Fact]
    public void Minimum_billable_seconds_and_concurrent_limits_are_bounded()
    {
        ShouldFail(Plan("p", 6000, minimumBillableSeconds: -1), "minimumBillableSeconds");
        ShouldFail(Plan("p", 6000, minimumBillableSeconds: 3601), "minimumBillableSeconds");
        PlanRules.Validate(Plan("p", 6000, minimumBillableSeconds: 0)).Should().BeNull();

        var plan = Plan("p", 6000);
        plan.ConcurrentCallLimit = 0;
        ShouldFail(plan, "concurrentCallLimit");
        plan.ConcurrentCallLimit = 1;
        PlanRules.Validate(plan).Should().BeNull();
    }
}
