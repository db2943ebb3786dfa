using System.Net;
using FluentAssertions.Execution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MinutePool.BrowserTests.Infrastructure;
using MinutePool.Core.Common;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Workspaces;
using static Microsoft.Playwright.Assertions;

namespace MinutePool.BrowserTests;

/// <summary>
/// A value in "Monthly allocation (minutes)" that is not a whole number of minutes the form can hold must
/// be refused at the field. It must never be taken as "empty" (which means: no allocation, shared pool).
/// </summary>
public sealed class AllocationInputTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task Owner_typing_an_allocation_too_big_for_the_form_gets_an_error_and_keeps_the_allocation()
    {
        const string workspace = "Northwind Traders (client)";
        await SetAsync(workspace, allocation: 1_500, resetDay: null);
        await using var browser = await BrowserSession.OpenAsync(app, nameof(Owner_typing_an_allocation_too_big_for_the_form_gets_an_error_and_keeps_the_allocation));
        var page = browser.Page;
        await browser.SignInAndLandAsync(AppFixture.OwnerEmail, AppFixture.Password);
        await browser.ClickAndWaitAsync(browser.Nav.GetByRole(AriaRole.Link, new() { Name = "Workspaces", Exact = true }));
        await browser.ClickAndWaitAsync(page.Locator("#workspaces-table").GetByRole(AriaRole.Link, new() { Name = workspace, Exact = true }));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = workspace, Exact = true })).ToBeVisibleAsync();
        await browser.ShotAsync("editor");

        // One digit too many: a number the browser accepts, but more than any allocation can be.
        var allocation = page.GetByLabel("Monthly allocation (minutes)");
        await allocation.FillAsync("15000000000");
        await browser.ClickAndWaitAsync(page.GetByRole(AriaRole.Button, new() { Name = "Save Workspace" }));
        await browser.ShotAsync("answer");
        var notices = await page.Locator("#saved-notice").CountAsync();
        var messages = await page.Locator(".field").Filter(new() { Has = allocation }).Locator(".validation-message").CountAsync();
        var stored = await app.WorkspaceAsync(workspace);
        using (new AssertionScope())
        {
            stored.AllocationMinutes.Should().Be(1_500, "the allocation is kept, not cleared to the shared pool");
            notices.Should().Be(0, "the value cannot be saved");
            messages.Should().BePositive("the refusal is shown next to the allocation field");
        }
    }

    [Theory]
    [InlineData("15000000000")]
    [InlineData("1e3")]
    [InlineData("12.5")]
    [InlineData("abc")]
    public async Task A_posted_allocation_that_is_not_a_whole_number_is_refused_at_the_field_and_nothing_is_saved(string value)
    {
        await SetAsync("Sales", allocation: 2_000, resetDay: 1);
        var sales = await app.WorkspaceAsync("Sales");
        using var client = FormClient.For(app);
        await client.SignInOrFailAsync(AppFixture.OwnerEmail, AppFixture.Password);
        var editor = await client.GetAsync($"/settings/workspaces/{sales.Id}");

        var answer = await client.PostAsync($"/settings/workspaces/{sales.Id}", FormClient.FieldsOf(editor.NamedForm("save-workspace"), new Dictionary<string, string>
        {
            ["Input.AllocationMinutes"] = value,
            ["Input.ResetDay"] = "15",
        }));

        var stored = await app.WorkspaceAsync("Sales");
        using (new AssertionScope())
        {
            stored.AllocationMinutes.Should().Be(2_000, "'{0}' must not clear the allocation", value);
            stored.ResetDay.Should().Be(1, "nothing of a refused form is saved");
            answer.Status.Should().Be(HttpStatusCode.OK);
            answer.TextOf("#saved-notice").Should().BeNull("'{0}' is not an allocation", value);
            answer.FieldMessages("#ws-allocation").Should().NotBeEmpty("the refusal is shown next to the allocation field");
        }
    }

    /// <summary>Puts a workspace back to a known state through the app's own service.</summary>
    private async Task SetAsync(string name, int? allocation, int? resetDay)
    {
        var workspace = await app.WorkspaceAsync(name);
        await using var scope = app.AccountScope();
        var result = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().UpdateAsync(
            workspace.Id,
            new WorkspacePatch(Optional<string>.Unset, Optional<WorkspaceKind>.Unset, Optional<int?>.Of(allocation), Optional<int?>.Of(resetDay), Optional<int?>.Unset),
            "test:setup");
        result.IsSuccess.Should().BeTrue();
    }
}
