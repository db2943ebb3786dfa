using FluentAssertions;
using MinutePool.Core.Workspaces;
using Xunit;

namespace MinutePool.Core.Tests.Workspaces;

/// <summary>Passcodes are stored only as salted hashes.</summary>
public sealed class PasscodeHasherTests
{
    [Fact]
    public void The_hash_verifies_the_right_passcode_and_rejects_a_wrong_one()
    {
        var stored = PasscodeHasher.Hash("48151623");

        PasscodeHasher.Verify("48151623", stored).Should().BeTrue();
        PasscodeHasher.Verify("48151624", stored).Should().BeFalse();
        PasscodeHasher.Verify("4815162", stored).Should().BeFalse();
        PasscodeHasher.Verify("", stored).Should().BeFalse();
    }

    [Fact]
    public void Two_hashes_of_the_same_passcode_differ_because_of_the_salt()
    {
        var first = PasscodeHasher.Hash("123456");
        var second = PasscodeHasher.Hash("123456");

        first.Should().NotBe(second);
        first.Split('$')[2].Should().NotBe(second.Split('$')[2]);
        PasscodeHasher.Verify("123456", first).Should().BeTrue();
        PasscodeHasher.Verify("123456", second).Should().BeTrue();
    }

    [Fact]
    public void The_stored_form_is_versioned_and_does_not_contain_the_passcode()
    {
        var stored = PasscodeHasher.Hash("987654321");
        var parts = stored.Split('$');

        parts.Should().HaveCount(4);
        parts[0].Should().Be("v1");
        parts[1].Should().Be("20000");
        Convert.FromBase64String(parts[2]).Should().HaveCount(16);
        Convert.FromBase64String(parts[3]).Should().HaveCount(32);
        stored.Should().NotContain("987654321");
    }

    [Fact]
    public void A_tampered_hash_or_an_unknown_format_does_not_verify()
    {
        var stored = PasscodeHasher.Hash("123456");
        var parts = stored.Split('$');
        var hash = Convert.FromBase64String(parts[3]);
        hash[0] ^= 0x01;
        var tampered = string.Join('$', parts[0], parts[1], parts[2], Convert.ToBase64String(hash));

        PasscodeHasher.Verify("123456", tampered).Should().BeFalse();
        PasscodeHasher.Verify("123456", "v2" + stored[2..]).Should().BeFalse();
        PasscodeHasher.Verify("123456", "123456").Should().BeFalse();
        PasscodeHasher.Verify("123456", "").Should().BeFalse();
        PasscodeHasher.Verify("123456", $"v1$many${parts[2]}${parts[3]}").Should().BeFalse();
    }
}
