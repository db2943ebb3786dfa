using System.Security.Cryptography;
using System.Text;
using FluentAssertions;
using MinutePool.Core.Notifications;
using Xunit;
using static MinutePool.Core.Tests.TestData;

namespace MinutePool.Core.Tests.Notifications;

public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_test-secret";
    private const string Body = """{"id":"evt_1","type":"webhook.test"}""";

    /// <summary>Mon 23 Nov 2026 12:00:00 UTC = 1795435200.</summary>
    private static readonly DateTimeOffset SentAt = Utc(2026, 11, 23, 12);

    [Fact]
    public void The_header_is_the_timestamp_and_the_lowercase_hex_hmac_of_timestamp_dot_body()
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(Secret));
        var expected = Convert.ToHexString(hmac.ComputeHash(Encoding.UTF8.GetBytes("1795435200." + Body))).ToLowerInvariant();

        var header = WebhookSignature.Sign(Secret, SentAt, Body);

        header.Should().Be($"t=1795435200,v1={expected}");
    }

    [Fact]
    public void A_fixed_vector_computed_outside_dotnet_matches()
    {
        // printf '%s' '1795435200.{"id":"evt_1","type":"webhook.test"}' | openssl dgst -sha256 -hmac 'whsec_test-secret'
        WebhookSignature.Sign(Secret, SentAt, Body)
            .Should().Be("t=1795435200,v1=e0296d2be45cc3eaca4034ac8c75b00e28bd396a3dd56e7c79eda537da750731");
    }

    [Fact]
    public void A_signature_verifies_with_the_same_secret_and_body()
    {
        var header = WebhookSignature.Sign(Secret, SentAt, Body);

        WebhookSignature.Verify(header, Body, Secret, SentAt).Should().BeTrue();
        WebhookSignature.Verify(header, Encoding.UTF8.GetBytes(Body), Secret, SentAt.AddMinutes(4)).Should().BeTrue();
    }

    [Fact]
    public void A_tampered_body_is_refused()
    {
        var header = WebhookSignature.Sign(Secret, SentAt, Body);

        WebhookSignature.Verify(header, Body.Replace("webhook.test", "webhook.tesT", StringComparison.Ordinal), Secret, SentAt).Should().BeFalse();
        WebhookSignature.Verify(header, Body + " ", Secret, SentAt).Should().BeFalse();
    }

    [Fact]
    public void Another_secret_is_refused()
    {
        var header = WebhookSignature.Sign(Secret, SentAt, Body);

        WebhookSignature.Verify(header, Body, Secret + "x", SentAt).Should().BeFalse();
        WebhookSignature.Verify(header, Body, WebhookSignature.NewSecret(), SentAt).Should().BeFalse();
        WebhookSignature.Verify(header, Body, "", SentAt).Should().BeFalse();
    }

    [Fact]
    public void A_changed_timestamp_is_refused_even_when_fresh()
    {
        var header = WebhookSignature.Sign(Secret, SentAt, Body);
        var moved = header.Replace("t=1795435200", "t=1795435201", StringComparison.Ordinal);

        WebhookSignature.Verify(moved, Body, Secret, SentAt).Should().BeFalse();
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    [InlineData(-3600)]
    public void A_timestamp_outside_the_tolerance_is_refused(int offsetSeconds)
    {
        var header = WebhookSignature.Sign(Secret, SentAt, Body);

        WebhookSignature.Verify(header, Body, Secret, SentAt.AddSeconds(offsetSeconds)).Should().BeFalse();
        WebhookSignature.Verify(header, Body, Secret, SentAt.AddSeconds(offsetSeconds), TimeSpan.FromHours(2)).Should().BeTrue();
    }

    [Fact]
    public void A_timestamp_at_the_edge_of_the_tolerance_is_accepted()
    {
        var header = WebhookSignature.Sign(Secret, SentAt, Body);

        WebhookSignature.Verify(header, Body, Secret, SentAt.AddSeconds(300)).Should().BeTrue();
        WebhookSignature.Verify(header, Body, Secret, SentAt.AddSeconds(-300)).Should().BeTrue();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("t=1795435200")]
    [InlineData("v1=e0296d2be45cc3eaca4034ac8c75b00e28bd396a3dd56e7c79eda537da750731")]
    [InlineData("t=abc,v1=e0296d2be45cc3eaca4034ac8c75b00e28bd396a3dd56e7c79eda537da750731")]
    [InlineData("t=-1795435200,v1=e0296d2be45cc3eaca4034ac8c75b00e28bd396a3dd56e7c79eda537da750731")]
    [InlineData("t=1795435200,t=1795435200,v1=e0296d2be45cc3eaca4034ac8c75b00e28bd396a3dd56e7c79eda537da750731")]
    [InlineData("t=1795435200,v1=E0296D2BE45CC3EACA4034AC8C75B00E28BD396A3DD56E7C79EDA537DA750731")]
    [InlineData("t=1795435200,v1=e0296d2be45cc3eaca4034ac8c75b00e28bd396a3dd56e7c79eda537da7507")]
    [InlineData("t=1795435200,v1=zz296d2be45cc3eaca4034ac8c75b00e28bd396a3dd56e7c79eda537da750731")]
    public void Malformed_headers_are_refused(string? header)
    {
        WebhookSignature.Verify(header, Body, Secret, SentAt).Should().BeFalse();
    }

    [Fact]
    public void Any_one_of_several_v1_signatures_may_match_and_unknown_keys_are_ignored()
    {
        var good = WebhookSignature.Sign(Secret, SentAt, Body);
        var header = $"t=1795435200,v0=legacy,v1={new string('0', 64)},{good.Split(',')[1]}";

        WebhookSignature.Verify(header, Body, Secret, SentAt).Should().BeTrue();
    }

    [Fact]
    public void New_secrets_are_prefixed_random_and_url_safe()
    {
        var secrets = Enumerable.Range(0, 50).Select(_ => WebhookSignature.NewSecret()).ToList();

        secrets.Should().OnlyHaveUniqueItems();
        secrets.Should().AllSatisfy(s =>
        {
            s.Should().StartWith("whsec_").And.HaveLength(6 + 43);
            s[6..].Should().MatchRegex("^[A-Za-z0-9_-]{43}$");
        });
    }
}
