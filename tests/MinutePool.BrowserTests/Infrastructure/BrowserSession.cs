using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace MinutePool.BrowserTests.Infrastructure;

/// <summary>
/// One person's browser for one test: a fresh context (own cookies) and page on the app, with a
/// screenshot of every step saved as artifacts/screenshots/&lt;test&gt;-&lt;nn&gt;-&lt;step&gt;.png.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    private readonly string _testName;
    private int _step;

    private BrowserSession(string testName, IBrowserContext context, IPage page)
    {
        _testName = testName;
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public static async Task<BrowserSession> OpenAsync(AppFixture app, string testName)
    {
        var host = await app.BrowserAsync();
        var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = app.BaseAddress.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = "en-US",
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        return new BrowserSession(testName, context, page);
    }

    /// <summary>Saves a full-page screenshot of what the page shows now.</summary>
    public async Task ShotAsync(string step)
    {
        _step++;
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor(_testName, $"{_step:00}-{step}"), FullPage = true });
    }

    /// <summary>Opens a page by address (a real navigation) and takes its screenshot.</summary>
    public async Task<IResponse> GotoAsync(string path, string step)
    {
        var response = await Page.GotoAsync(path) ?? throw new InvalidOperationException($"No response for {path}.");
        await ShotAsync(step);
        return response;
    }

    /// <summary>
    /// Clicks a button or link of the htmx-boosted page and waits until htmx has swapped in the answer
    /// (the old &lt;main&gt; is marked first, so text that looks the same on both pages cannot pass early).
    /// </summary>
    public async Task ClickAndWaitAsync(ILocator target)
    {
        await Page.EvaluateAsync("() => document.querySelector('main')?.setAttribute('data-stale', '')");
        await target.ClickAsync();
        await Page.Locator("main:not([data-stale])").WaitForAsync(new() { State = WaitForSelectorState.Attached });
    }

    /// <summary>Signs in on /signin by typing into the labelled fields and clicking "Sign in".</summary>
    public async Task SignInAsync(string email, string password, string step = "signin")
    {
        if (!Page.Url.Contains("/signin", StringComparison.Ordinal))
        {
            await GotoAsync("/signin", step + "-form");
        }

        await Page.GetByLabel("E-mail").FillAsync(email);
        await Page.GetByLabel("Password").FillAsync(password);
        await ClickAndWaitAsync(Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }));
    }

    /// <summary>Signs in and waits for the Calls page, where a sign-in lands.</summary>
    public async Task SignInAndLandAsync(string email, string password)
    {
        await SignInAsync(email, password);
        await Assertions.Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Calls", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(Page).ToHaveURLAsync(new Regex("/settings/calls$"));
        await ShotAsync("signed-in");
    }

    /// <summary>The settings navigation in the top bar.</summary>
    public ILocator Nav => Page.GetByRole(AriaRole.Navigation, new() { Name = "Settings" });

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
