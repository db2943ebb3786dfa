using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MinutePool.BrowserTests.Infrastructure;
using MinutePool.Data.Identity;
using static Microsoft.Playwright.Assertions;

namespace MinutePool.BrowserTests;

/// <summary>Sign-in lockout: 5 failed passwords lock the sign-in for 15 minutes, even against the right password.</summary>
public sealed class SignInLockoutTests(AppFixture app) : IClassFixture<AppFixture>
{
    private const string Mismatch = "That e-mail and password do not match a sign-in.";

    [Fact]
    public async Task Five_wrong_passwords_lock_the_sign_in_so_the_right_password_is_refused_with_locked()
    {
        await using var browser = await BrowserSession.OpenAsync(app, nameof(Five_wrong_passwords_lock_the_sign_in_so_the_right_password_is_refused_with_locked));
        var page = browser.Page;
        var error = page.Locator("#signin-error");

        // Wrong passwords 1–4: the plain "do not match" message, and still on the sign-in page.
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            await browser.SignInAsync(AppFixture.StaffEmail, $"Wrong-password-{attempt}!");
            await Expect(error).ToHaveTextAsync(Mismatch);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
            await browser.ShotAsync($"wrong-{attempt}");
        }

        // The 5th wrong password locks the sign-in.
        await browser.SignInAsync(AppFixture.StaffEmail, "Wrong-password-5!");
        await Expect(error).ToBeVisibleAsync();
        await browser.ShotAsync("wrong-5");

        // The 6th attempt, with the RIGHT password, is refused as locked.
        await browser.SignInAsync(AppFixture.StaffEmail, AppFixture.Password);
        await Expect(error).ToContainTextAsync("locked");
        await Expect(error).ToContainTextAsync("15 minutes");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await browser.ShotAsync("right-password-locked");

        // Not signed in: a settings page still sends to the sign-in.
        await browser.GotoAsync("/settings/calls", "calls-still-signed-out");
        await Expect(page).ToHaveURLAsync(new Regex("/signin\\?ReturnUrl=%2Fsettings%2Fcalls$"));

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var staff = (await users.FindByEmailAsync(AppFixture.StaffEmail))!;
            (await users.IsLockedOutAsync(staff)).Should().BeTrue();
            (await users.GetLockoutEndDateAsync(staff)).Should().BeCloseTo(DateTimeOffset.UtcNow.AddMinutes(15), TimeSpan.FromMinutes(1));
        }

        // The lockout is the person's, not the browser's: the owner signs in from the same browser.
        await browser.SignInAndLandAsync(AppFixture.OwnerEmail, AppFixture.Password);
    }

    [Fact]
    public async Task An_unknown_e_mail_gets_the_same_message_as_a_wrong_password()
    {
        await using var browser = await BrowserSession.OpenAsync(app, nameof(An_unknown_e_mail_gets_the_same_message_as_a_wrong_password));

        await browser.SignInAsync("nobody@demo.minutepool.test", "Whatever-1!");

        await Expect(browser.Page.Locator("#signin-error")).ToHaveTextAsync(Mismatch);
        await browser.ShotAsync("unknown-email");
    }
}
