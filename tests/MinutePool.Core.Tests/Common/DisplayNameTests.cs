using FluentAssertions;
using Xunit;

using MinutePool.Core.Common;

namespace MinutePool.Core.Tests.Common;

public sealed class DisplayNameTests
{
    [Theory]
    [InlineData("Sales")]
    [InlineData("Smith, \"Jones\" & Müller")]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("中文 🙂")]
    public void Printable_names_up_to_200_characters_are_valid(string name) => DisplayName.IsValid(name).Should().BeTrue();

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Nul\0here")]
    [InlineData("Line\nbreak")]
    [InlineData("Escape\u001b[31m")]
    public void Empty_blank_or_control_characters_are_refused(string? name) => DisplayName.IsValid(name).Should().BeFalse();

    [Fact]
    public void The_limit_is_200_characters_after_trimming()
    {
        DisplayName.IsValid(new string('x', 200)).Should().BeTrue();
        DisplayName.IsValid("  " + new string('x', 200) + "  ").Should().BeTrue();
        DisplayName.IsValid(new string('x', 201)).Should().BeFalse();
    }
}
