using FluentAssertions;
using MinutePool.Core.Calls;
using MinutePool.Core.Common;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Calls;

/// <summary>DESIGN.md, "Usage records and idempotency": what a call record must satisfy.</summary>
public sealed class CallRulesTests
{
    [Fact]
    public void A_start_up_to_5_minutes_in_the_future_is_accepted_and_later_is_refused()
    {
        CallRules.CheckStart(Now.AddMinutes(5), Now).Should().BeNull();

        var error = CallRules.CheckStart(Now.AddMinutes(5).AddSeconds(1), Now);

        error.Should().NotBeNull();
        error!.Code.Should().Be(ErrorCodes.InvalidTimeRange);
        error.Field.Should().Be("startedAt");
    }

    [Fact]
    public void A_start_up_to_35_days_in_the_past_is_accepted_and_earlier_is_refused()
    {
        CallRules.CheckStart(Now.AddDays(-35), Now).Should().BeNull();
        CallRules.CheckStart(Now, Now).Should().BeNull();

        var error = CallRules.CheckStart(Now.AddDays(-35).AddSeconds(-1), Now);

        error.Should().NotBeNull();
        error!.Code.Should().Be(ErrorCodes.InvalidTimeRange);
        error.Field.Should().Be("startedAt");
    }

    [Fact]
    public void An_end_before_the_start_is_refused()
    {
        var start = Now.AddMinutes(-10);

        var error = CallRules.CheckEnd(start, start.AddSeconds(-1), Now);

        error.Should().NotBeNull();
        error!.Code.Should().Be(ErrorCodes.InvalidTimeRange);
        error.Field.Should().Be("endedAt");
    }

    [Fact]
    public void An_end_more_than_5_minutes_in_the_future_is_refused()
    {
        var start = Now.AddMinutes(-10);

        CallRules.CheckEnd(start, start, Now).Should().BeNull();
        CallRules.CheckEnd(start, Now.AddMinutes(5), Now).Should().BeNull();
        var error = CallRules.CheckEnd(start, Now.AddMinutes(5).AddSeconds(1), Now);

        error.Should().NotBeNull();
        error!.Code.Should().Be(ErrorCodes.InvalidTimeRange);
        error.Field.Should().Be("endedAt");
    }

    [Theory]
    [InlineData("call-1")]
    [InlineData("a")]
    [InlineData("2027-06-15/conf bridge #7 ünïcode")]
    public void Good_call_ids_are_accepted(string callId)
    {
        CallRules.CheckCallId(callId).Should().BeNull();
    }

    [Fact]
    public void A_call_id_of_exactly_128_characters_is_accepted_and_129_is_refused()
    {
        CallRules.CheckCallId(new string('x', 128)).Should().BeNull();

        var error = CallRules.CheckCallId(new string('x', 129));

        error.Should().NotBeNull();
        error!.Code.Should().Be(ErrorCodes.ValidationFailed);
        error.Field.Should().Be("callId");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("call\n1")]
    [InlineData("call\u00001")]
    [InlineData("call\t1")]
    [InlineData("call\u007f")]
    public void Empty_or_control_character_call_ids_are_refused(string? callId)
    {
        var error = CallRules.CheckCallId(callId);

        error.Should().NotBeNull();
        error!.Code.Should().Be(ErrorCodes.ValidationFailed);
        error.Field.Should().Be("callId");
    }

    [Fact]
    public void Project_tags_are_optional_printable_and_at_most_100_characters()
    {
        CallRules.CheckProjectTag(null).Should().BeNull();
        CallRules.CheckProjectTag("client-42").Should().BeNull();
        CallRules.CheckProjectTag(new string('p', 100)).Should().BeNull();

        CallRules.CheckProjectTag("")!.Field.Should().Be("projectTag");
        CallRules.CheckProjectTag(new string('p', 101))!.Code.Should().Be(ErrorCodes.ValidationFailed);
        CallRules.CheckProjectTag("a\rb")!.Code.Should().Be(ErrorCodes.ValidationFailed);
    }
}
