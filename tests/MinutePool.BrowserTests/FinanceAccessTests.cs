using AngleSharp.Html.Parser;
using FluentAssertions.Execution;
using Microsoft.Playwright;
using MinutePool.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace MinutePool.BrowserTests;

/// <summary>Finance reads usage but edits nothing: no workspace editor, and a forged edit post is refused.</summary>
public sealed class FinanceAccessTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Finance_gets_403_without_an_edit_form_and_a_direct_post_of_the_workspace_form_is_refused()
    {
        await using var browser = await BrowserSession.OpenAsync(app, nameof(Finance_gets_403_without_an_edit_form_and_a_direct_post_of_the_workspace_form_is_refused));
        var page = browser.Page;
        await browser.SignInAndLandAsync(AppFixture.FinanceEmail, AppFixture.Password);
        await Expect(browser.Nav.GetByRole(AriaRole.Link, new() { Name = "Workspaces", Exact = true })).ToHaveCountAsync(0);

        var list = await browser.GotoAsync("/settings/workspaces", "workspaces-refused");
        list.Status.Should().Be(403);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save Workspace" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create workspace" })).ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Turn minute distribution off" })).ToHaveCountAsync(0);
        await Expect(page.Locator("#workspaces-table")).ToHaveCountAsync(0);

        var sales = await app.WorkspaceAsync("Sales");
        var edit = await browser.GotoAsync($"/settings/workspaces/{sales.Id}", "workspace-edit-refused");
        edit.Status.Should().Be(403);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Save Workspace" })).ToHaveCountAsync(0);
        await Expect(page.GetByLabel("Monthly allocation (minutes)")).ToHaveCountAsync(0);

        // A forged post of the editor's form with finance's own session: cookies from the browser context,
        // a valid antiforgery token from a form finance can see (the token is per session, not per form).
        var request = browser.Context.APIRequest;
        var calls = await request.GetAsync("/settings/calls");
        calls.Status.Should().Be(200);
        var token = new HtmlParser().ParseDocument(await calls.TextAsync())
            .QuerySelector("input[name=__RequestVerificationToken]")?.GetAttribute("value");
        token.Should().NotBeNullOrEmpty("the sign-out form carries the antiforgery token");

        var before = await app.WorkspacesAsync();
        var forged = await request.PostAsync($"/settings/workspaces/{sales.Id}", new APIRequestContextOptions
        {
            Form = FormOf(request,
                ("_handler", "save-workspace"),
                ("__RequestVerificationToken", token!),
                ("Input.Name", "Hacked"),
                ("Input.Kind", "Department"),
                ("Input.AllocationMinutes", "1"),
                ("Input.ResetDay", "1")),
            MaxRedirects = 0,
        });
        var forgedBody = await forged.TextAsync();

        // The same kind of post to the list page's create form and distribution switch.
        var create = await request.PostAsync("/settings/workspaces", new APIRequestContextOptions
        {
            Form = FormOf(request, ("_handler", "create-workspace"), ("__RequestVerificationToken", token!), ("NewWorkspace.Name", "Hacked"), ("NewWorkspace.Kind", "Client")),
            MaxRedirects = 0,
        });
        var createBody = await create.TextAsync();
        var toggle = await request.PostAsync("/settings/workspaces", new APIRequestContextOptions
        {
            Form = FormOf(request, ("_handler", "distribution"), ("__RequestVerificationToken", token!)),
            MaxRedirects = 0,
        });
        var toggleBody = await toggle.TextAsync();

        // First what matters most: nothing changed.
        (await app.WorkspacesAsync()).Should().BeEquivalentTo(before, "a refused post changes nothing");
        (await app.WorkspaceAsync("Sales")).AllocationMinutes.Should().Be(2_000);
        (await app.SummaryAsync()).Account.DistributionEnabled.Should().BeTrue();

        // Then the answer: 403 with the "Not allowed" page, as for the GET.
        using (new AssertionScope())
        {
            forged.Status.Should().Be(403, "finance may not edit a workspace; the body was: {0}", Excerpt(forgedBody));
            forgedBody.Should().Contain("Not allowed");
            create.Status.Should().Be(403, "finance may not create a workspace; the body was: {0}", Excerpt(createBody));
            createBody.Should().Contain("Not allowed");
            toggle.Status.Should().Be(403, "finance may not switch distribution; the body was: {0}", Excerpt(toggleBody));
            toggleBody.Should().Contain("Not allowed");
        }

        // Finance still reads what it may.
        await browser.GotoAsync("/settings/calls", "calls-after");
        await Expect(page.Locator("#account-usage")).ToBeVisibleAsync();
    }

    private static IFormData FormOf(IAPIRequestContext request, params (string Name, string Value)[] fields)
    {
        var form = request.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Append(name, value);
        }

        return form;
    }

    private static string Excerpt(string body) => body.Length <= 600 ? body : body[..600];
}
