using FluentAssertions;
using MinutePool.Core.Accounts;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Accounts;

public sealed class ApiKeyTests
{
    private static readonly Guid AccountId = new("0190f0a0-0000-7000-8000-000000000001");

    [Fact]
    public void Create_returns_a_plain_key_that_parses_back_to_the_stored_prefix_and_matches()
    {
        var (key, plainText) = ApiKey.Create(AccountId, "bridge", Now);

        plainText.Should().MatchRegex("^mp_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$");
        key.AccountId.Should().Be(AccountId);
        key.Name.Should().Be("bridge");
        key.CreatedAt.Should().Be(Now);
        key.RevokedAt.Should().BeNull();

        ApiKey.TryParse(plainText, out var prefix, out var secret).Should().BeTrue();
        prefix.Should().Be(key.Prefix);
        plainText.Should().Be($"mp_{prefix}_{secret}");
        key.Matches(secret).Should().BeTrue();
    }

    [Fact]
    public void Only_a_hash_of_the_secret_is_stored()
    {
        var (key, plainText) = ApiKey.Create(AccountId, "bridge", Now);
        ApiKey.TryParse(plainText, out _, out var secret);

        key.SecretHash.Should().MatchRegex("^[0-9a-f]{64}$");
        key.SecretHash.Should().NotContain(secret);
        plainText.Should().NotContain(key.SecretHash);
    }

    [Fact]
    public void A_tampered_secret_does_not_match()
    {
        var (key, plainText) = ApiKey.Create(AccountId, "bridge", Now);
        ApiKey.TryParse(plainText, out _, out var secret);
        var flipped = (secret[^1] == 'A' ? 'B' : 'A').ToString();

        key.Matches(secret[..^1] + flipped).Should().BeFalse();
        key.Matches(secret + "x").Should().BeFalse();
        key.Matches(secret[..^1]).Should().BeFalse();
        key.Matches("").Should().BeFalse();
    }

    [Fact]
    public void Another_keys_secret_does_not_match()
    {
        var (first, firstPlain) = ApiKey.Create(AccountId, "a", Now);
        var (second, secondPlain) = ApiKey.Create(AccountId, "b", Now);
        ApiKey.TryParse(secondPlain, out _, out var secondSecret);

        firstPlain.Should().NotBe(secondPlain);
        first.Prefix.Should().NotBe(second.Prefix);
        first.Matches(secondSecret).Should().BeFalse();
    }

    [Fact]
    public void A_secret_may_contain_underscores()
    {
        ApiKey.TryParse("mp_0123456789ab_se_cr_et", out var prefix, out var secret).Should().BeTrue();

        prefix.Should().Be("0123456789ab");
        secret.Should().Be("se_cr_et");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("mp_")]
    [InlineData("mp_0123456789ab")]
    [InlineData("mp_0123456789ab_")]
    [InlineData("mp_0123456789a_secret")]
    [InlineData("mp_0123456789abc_secret")]
    [InlineData("MP_0123456789ab_secret")]
    [InlineData("xx_0123456789ab_secret")]
    [InlineData("0123456789ab_secret")]
    public void Malformed_keys_do_not_parse(string? plainText)
    {
        ApiKey.TryParse(plainText, out _, out _).Should().BeFalse();
    }
}
