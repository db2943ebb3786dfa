using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace MinutePool.IntegrationTests.Infrastructure;

/// <summary>
/// One browser's cookies without a browser: requests to any app instance carry the cookies collected so far,
/// and <see cref="SignInAsync"/> posts the sign-in form with its antiforgery token.
/// </summary>
public sealed partial class CookieSession
{
    public Dictionary<string, string> Cookies { get; } = new();

    public static HttpClient Client(WebApplicationFactory<Program> host) =>
        host.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });

    public async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        if (Cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await client.SendAsync(request);
        if (response.Headers.TryGetValues("Set-Cookie", out var set))
        {
            foreach (var cookie in set)
            {
                var pair = cookie.Split(';')[0].Split('=', 2);
                Cookies[pair[0]] = pair[1];
            }
        }

        return response;
    }

    public Task<HttpResponseMessage> GetAsync(HttpClient client, string path) => SendAsync(client, new HttpRequestMessage(HttpMethod.Get, path));

    /// <summary>Gets the sign-in form from <paramref name="formFrom"/> and posts it to <paramref name="postTo"/> (the same instance or another).</summary>
    public async Task<HttpResponseMessage> SignInAsync(HttpClient formFrom, HttpClient postTo, string email, string password)
    {
        using var form = await GetAsync(formFrom, "/signin");
        var token = AntiforgeryToken().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        token.Should().NotBeEmpty("the sign-in form carries an antiforgery token");
        return await SendAsync(postTo, new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "signin",
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
                ["Input.Email"] = email,
                ["Input.Password"] = password,
            }),
        });
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
