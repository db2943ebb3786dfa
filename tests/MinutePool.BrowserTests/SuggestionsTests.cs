using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MinutePool.BrowserTests.Infrastructure;
using MinutePool.Data.Reports;
using static Microsoft.Playwright.Assertions;

namespace MinutePool.BrowserTests;

/// <summary>The owner reviews suggested allocations from the demo's call history and applies them; finance may not.</summary>
public sealed class SuggestionsTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task The_owner_opens_the_suggestions_from_workspaces_applies_them_and_sees_the_new_allocations()
    {
        await using var browser = await BrowserSession.OpenAsync(app, nameof(The_owner_opens_the_suggestions_from_workspaces_applies_them_and_sees_the_new_allocations));
        var page = browser.Page;
        await browser.SignInAndLandAsync(AppFixture.OwnerEmail, AppFixture.Password);
        await browser.GotoAsync("/settings/workspaces", "workspaces");
        await browser.ClickAndWaitAsync(page.GetByRole(AriaRole.Link, new() { Name = "Suggested allocations" }));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Suggested allocations" })).ToBeVisibleAsync();
        await browser.ShotAsync("suggestions");

        AllocationSuggestionReport expected;
        await using (var scope = app.AccountScope())
        {
            expected = (await scope.ServiceProvider.GetRequiredService<AllocationSuggestionService>().SuggestAsync())!;
        }

        expected.Set.TotalMinutes.Should().BeLessThanOrEqualTo(expected.PlanMinutes);
        await Expect(page.Locator("#suggestions-table tbody tr")).ToHaveCountAsync(expected.Workspaces.Count);
        await Expect(page.Locator("#suggested-total")).ToHaveTextAsync($"{expected.Set.TotalMinutes:N0} min");

        await browser.ClickAndWaitAsync(page.GetByRole(AriaRole.Button, new() { Name = "Apply suggestions" }));
        await Expect(page.Locator("#applied-notice")).ToBeVisibleAsync();
        await Expect(page.Locator("#current-total")).ToHaveTextAsync($"{expected.Set.TotalMinutes:N0} min");
        await browser.ShotAsync("applied");

        var stored = (await app.WorkspacesAsync()).ToDictionary(w => w.Id, w => w.AllocationMinutes);
        stored.Should().Equal(expected.Set.Suggestions.ToDictionary(s => s.WorkspaceId, s => s.SuggestedMinutes));

        await browser.GotoAsync("/settings/workspaces", "workspaces-after");
        foreach (var row in expected.Workspaces.Where(r => r.Suggestion.SuggestedMinutes is not null))
        {
            await Expect(page.Locator($"tr[data-workspace=\"{row.Workspace.Name}\"] td[data-col=limit]"))
                .ToHaveTextAsync($"{row.Suggestion.SuggestedMinutes:N0} min");
        }
    }

    [Fact]
    public async Task Finance_gets_403_on_the_suggestions_page()
    {
        await using var browser = await BrowserSession.OpenAsync(app, nameof(Finance_gets_403_on_the_suggestions_page));
        var page = browser.Page;
        await browser.SignInAndLandAsync(AppFixture.FinanceEmail, AppFixture.Password);

        var response = await browser.GotoAsync("/settings/workspaces/suggestions", "refused");

        response.Status.Should().Be(403);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Apply suggestions" })).ToHaveCountAsync(0);
    }
}
