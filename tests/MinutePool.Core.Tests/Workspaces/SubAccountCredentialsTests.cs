using FluentAssertions;
using MinutePool.Core.Workspaces;
using Xunit;

namespace MinutePool.Core.Tests.Workspaces;

/// <summary>DESIGN.md, "Sub-accounts": user IDs and passcodes.</summary>
public sealed class SubAccountCredentialsTests
{
    [Fact]
    public void User_ids_are_8_digits_not_starting_with_0()
    {
        var ids = Enumerable.Range(0, 500).Select(_ => SubAccountCredentials.NewUserId()).ToList();

        ids.Should().OnlyContain(id => id.Length == 8 && id.All(char.IsAsciiDigit) && id[0] != '0');
        ids.Should().OnlyContain(id => SubAccountCredentials.IsWellFormedUserId(id));
        ids.Distinct().Count().Should().BeGreaterThan(490, "they are random over 90 million values");
    }

    [Theory]
    [InlineData("12345678", true)]
    [InlineData("99999999", true)]
    [InlineData("1234567", false)]
    [InlineData("123456789", false)]
    [InlineData("1234567a", false)]
    [InlineData("1234 678", false)]
    [InlineData("١٢٣٤٥٦٧٨", false)] // Arabic-Indic digits are not ASCII digits
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Well_formed_user_ids(string? userId, bool expected)
    {
        SubAccountCredentials.IsWellFormedUserId(userId).Should().Be(expected);
    }

    [Fact]
    public void New_passcodes_are_8_digits_by_default()
    {
        var passcodes = Enumerable.Range(0, 100).Select(_ => SubAccountCredentials.NewPasscode()).ToList();

        passcodes.Should().OnlyContain(p => p.Length == 8 && p.All(char.IsAsciiDigit));
        passcodes.Distinct().Count().Should().BeGreaterThan(95);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(12)]
    public void New_passcodes_are_6_to_12_digits(int length)
    {
        var passcode = SubAccountCredentials.NewPasscode(length);

        passcode.Should().HaveLength(length);
        SubAccountCredentials.IsWellFormedPasscode(passcode).Should().BeTrue();
    }

    [Theory]
    [InlineData(5)]
    [InlineData(13)]
    [InlineData(0)]
    public void Passcode_lengths_outside_6_to_12_throw(int length)
    {
        var act = () => SubAccountCredentials.NewPasscode(length);

        act.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Theory]
    [InlineData("123456", true)]
    [InlineData("000000", true)]
    [InlineData("123456789012", true)]
    [InlineData("12345", false)]
    [InlineData("1234567890123", false)]
    [InlineData("12345a", false)]
    [InlineData("123 456", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Well_formed_passcodes(string? passcode, bool expected)
    {
        SubAccountCredentials.IsWellFormedPasscode(passcode).Should().Be(expected);
    }
}
