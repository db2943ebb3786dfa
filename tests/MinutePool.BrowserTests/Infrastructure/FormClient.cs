using System.Net;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace MinutePool.BrowserTests.Infrastructure;

/// <summary>
/// A plain HTTP client against the running app, with its own cookie jar and no automatic redirects,
/// that reads pages with AngleSharp and posts their forms as a browser would (every named field).
/// </summary>
public sealed class FormClient : IDisposable
{
    private static readonly HtmlParser Parser = new();

    private FormClient(Uri baseAddress)
    {
        Cookies = new CookieContainer();
        Http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false, UseCookies = true })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public CookieContainer Cookies { get; }

    public HttpClient Http { get; }

    public static FormClient For(AppFixture app) => new(app.BaseAddress);

    public static IHtmlDocument Parse(string html) => Parser.ParseDocument(html);

    /// <summary>GETs a page and parses it (any status).</summary>
    public async Task<Page> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        return await Page.ReadAsync(response);
    }

    /// <summary>POSTs form fields as application/x-www-form-urlencoded (any status, no redirect followed).</summary>
    public async Task<Page> PostAsync(string path, IEnumerable<KeyValuePair<string, string>> fields)
    {
        using var content = new FormUrlEncodedContent(fields);
        using var response = await Http.PostAsync(path, content);
        return await Page.ReadAsync(response);
    }

    /// <summary>The named fields of a form as the browser would send them, with some set to new values.</summary>
    public static List<KeyValuePair<string, string>> FieldsOf(IHtmlFormElement form, IReadOnlyDictionary<string, string>? changes = null)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var element in form.Elements)
        {
            var name = element.GetAttribute("name");
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            var value = element switch
            {
                IHtmlInputElement input when input.Type is "checkbox" or "radio" => input.IsChecked ? input.Value : null,
                IHtmlInputElement input => input.Value,
                IHtmlSelectElement select => select.Value,
                IHtmlTextAreaElement area => area.Value,
                _ => null,
            };
            if (value is not null)
            {
                fields.Add(new(name, value));
            }
        }

        if (changes is not null)
        {
            foreach (var (name, value) in changes)
            {
                fields.RemoveAll(f => f.Key == name);
                fields.Add(new(name, value));
            }
        }

        return fields;
    }

    /// <summary>Signs in through the /signin form; returns the answer (302 to the target on success).</summary>
    public async Task<Page> SignInAsync(string email, string password, string path = "/signin")
    {
        var signin = await GetAsync(path);
        signin.Status.Should().Be(HttpStatusCode.OK);
        var form = signin.NamedForm("signin");
        return await PostAsync(path, FieldsOf(form, new Dictionary<string, string> { ["Input.Email"] = email, ["Input.Password"] = password }));
    }

    public async Task SignInOrFailAsync(string email, string password)
    {
        var answer = await SignInAsync(email, password);
        answer.Status.Should().Be(HttpStatusCode.Redirect, "signing in as {0} should succeed; the page said: {1}", email, answer.Text);
    }

    public void Dispose() => Http.Dispose();

    /// <summary>An answer of the app: status, headers, raw body and the parsed document.</summary>
    public sealed record Page(HttpStatusCode Status, Uri? Location, string Body, IHtmlDocument Document, string? ContentType)
    {
        /// <summary>The visible text, for messages.</summary>
        public string Text => Document.Body?.TextContent.Trim() ?? Body;

        public static async Task<Page> ReadAsync(HttpResponseMessage response)
        {
            var body = await response.Content.ReadAsStringAsync();
            return new Page(response.StatusCode, response.Headers.Location, body, Parse(body), response.Content.Headers.ContentType?.ToString());
        }

        public IHtmlFormElement Form(string selector) =>
            Document.QuerySelector(selector) as IHtmlFormElement ?? throw new InvalidOperationException($"No form '{selector}' on the page: {Text}");

        /// <summary>The form that posts the Blazor form named <paramref name="formName"/> (its _handler field).</summary>
        public IHtmlFormElement NamedForm(string formName) =>
            Document.QuerySelectorAll("form").OfType<IHtmlFormElement>()
                .FirstOrDefault(f => f.QuerySelector($"input[name=_handler][value='{formName}']") is not null)
            ?? throw new InvalidOperationException($"No form '{formName}' on the page: {Text}");

        /// <summary>The validation messages shown in the form field that holds <paramref name="inputSelector"/>.</summary>
        public IReadOnlyList<string> FieldMessages(string inputSelector)
        {
            var input = Document.QuerySelector(inputSelector) ?? throw new InvalidOperationException($"No field '{inputSelector}' on the page: {Text}");
            var field = input.Closest(".field") ?? throw new InvalidOperationException($"'{inputSelector}' is not inside a .field");
            return field.QuerySelectorAll(".validation-message").Select(m => m.TextContent.Trim()).ToList();
        }

        /// <summary>The text of the first element matching <paramref name="selector"/>, or null when there is none.</summary>
        public string? TextOf(string selector) => Document.QuerySelector(selector)?.TextContent.Trim();

        public string? ValueOf(string inputSelector) => (Document.QuerySelector(inputSelector) as IHtmlInputElement)?.Value;
    }
}
