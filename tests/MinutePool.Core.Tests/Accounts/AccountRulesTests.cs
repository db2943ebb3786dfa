using FluentAssertions;
using MinutePool.Core.Accounts;
using MinutePool.Core.Common;
using Xunit;

namespace MinutePool.Core.Tests.Accounts;

public sealed class AccountRulesTests
{
    [Theory]
    [InlineData(null)]
    [InlineData(1)]
    [InlineData(28)]
    [InlineData(31)]
    public void Billing_days_1_to_31_are_accepted(int? day)
    {
        AccountRules.CheckBillingDay(day).Should().BeNull();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(32)]
    [InlineData(-5)]
    public void Other_billing_days_are_refused(int day)
    {
        var error = AccountRules.CheckBillingDay(day);

        error!.Code.Should().Be(ErrorCodes.ValidationFailed);
        error.Field.Should().Be("billingDay");
    }

    [Fact]
    public void Time_zones_must_be_IANA_ids()
    {
        AccountRules.CheckTimeZone("Europe/Berlin").Should().BeNull();
        AccountRules.CheckTimeZone("Europe/Atlantis")!.Field.Should().Be("timeZone");
        AccountRules.CheckTimeZone(null)!.Code.Should().Be(ErrorCodes.ValidationFailed);
    }

    [Fact]
    public void Names_are_1_to_200_characters()
    {
        AccountRules.CheckName("Acme").Should().BeNull();
        AccountRules.CheckName(new string('n', 200)).Should().BeNull();
        AccountRules.CheckName(new string('n', 201))!.Field.Should().Be("name");
        AccountRules.CheckName("   ")!.Field.Should().Be("name");
    }
}
