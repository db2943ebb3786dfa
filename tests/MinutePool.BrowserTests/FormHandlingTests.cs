using System.Net;
using System.Text;
using MinutePool.BrowserTests.Infrastructure;

namespace MinutePool.BrowserTests;

/// <summary>
/// The forms and exports as plain HTTP (HttpClient with a cookie jar against the Kestrel address, pages
/// read with AngleSharp): sign-in redirects, antiforgery, server-side validation, CSV.
/// </summary>
public sealed class FormHandlingTests(AppFixture app) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task An_anonymous_request_for_a_settings_page_redirects_to_signin_and_signing_in_returns_there()
    {
        using var client = FormClient.For(app);

        var anonymous = await client.GetAsync("/settings/workspaces");
        anonymous.Status.Should().Be(HttpStatusCode.Redirect);
        anonymous.Location.Should().NotBeNull();
        var location = LocalPath(anonymous.Location);
        location.Should().Be("/signin?ReturnUrl=%2Fsettings%2Fworkspaces");
        (await client.GetAsync("/settings/workspaces.csv")).Status.Should().Be(HttpStatusCode.Redirect, "the export needs a sign-in too");

        var signedIn = await client.SignInAsync(AppFixture.OwnerEmail, AppFixture.Password, location);
        signedIn.Status.Should().Be(HttpStatusCode.Redirect, "the page said: {0}", signedIn.Text);
        LocalPath(signedIn.Location).Should().Be("/settings/workspaces");
        (await client.GetAsync("/settings/workspaces")).Status.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example/")]
    public async Task Signing_in_never_follows_a_return_url_to_another_site(string returnUrl)
    {
        using var client = FormClient.For(app);

        var signedIn = await client.SignInAsync(AppFixture.FinanceEmail, AppFixture.Password, "/signin?ReturnUrl=" + Uri.EscapeDataString(returnUrl));

        signedIn.Status.Should().Be(HttpStatusCode.Redirect, "the page said: {0}", signedIn.Text);
        LocalPath(signedIn.Location).Should().Be("/settings/calls", "only paths of this site are followed");
    }

    [Fact]
    public async Task A_post_without_the_antiforgery_token_is_refused_and_changes_nothing()
    {
        using var client = FormClient.For(app);
        await client.SignInOrFailAsync(AppFixture.OwnerEmail, AppFixture.Password);
        var sales = await app.WorkspaceAsync("Sales");
        var editor = await client.GetAsync($"/settings/workspaces/{sales.Id}");
        editor.Status.Should().Be(HttpStatusCode.OK);
        var before = await app.WorkspacesAsync();
        var distribution = (await app.SummaryAsync()).Account.DistributionEnabled;

        var withoutToken = FormClient.FieldsOf(editor.NamedForm("save-workspace"), new Dictionary<string, string>
        {
            ["Input.Name"] = "No token",
            ["Input.AllocationMinutes"] = "1",
        });
        withoutToken.RemoveAll(f => f.Key == "__RequestVerificationToken");
        var save = await client.PostAsync($"/settings/workspaces/{sales.Id}", withoutToken);
        save.Status.Should().Be(HttpStatusCode.BadRequest, "the page said: {0}", save.Text);

        var list = await client.GetAsync("/settings/workspaces");
        var create = FormClient.FieldsOf(list.NamedForm("create-workspace"), new Dictionary<string, string> { ["NewWorkspace.Name"] = "No token" });
        create.RemoveAll(f => f.Key == "__RequestVerificationToken");
        (await client.PostAsync("/settings/workspaces", create)).Status.Should().Be(HttpStatusCode.BadRequest);

        var toggle = FormClient.FieldsOf(list.NamedForm("distribution"));
        toggle.RemoveAll(f => f.Key == "__RequestVerificationToken");
        (await client.PostAsync("/settings/workspaces", toggle)).Status.Should().Be(HttpStatusCode.BadRequest);

        // A token of another session is no better than none.
        using var other = FormClient.For(app);
        await other.SignInOrFailAsync(AppFixture.OwnerEmail, AppFixture.Password);
        var foreignToken = (await other.GetAsync("/settings/calls")).Document.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!;
        withoutToken.Add(new("__RequestVerificationToken", foreignToken));
        (await client.PostAsync($"/settings/workspaces/{sales.Id}", withoutToken)).Status.Should().Be(HttpStatusCode.BadRequest);

        (await app.WorkspacesAsync()).Should().BeEquivalentTo(before);
        (await app.SummaryAsync()).Account.DistributionEnabled.Should().Be(distribution);
    }

    [Theory]
    [InlineData("Input.AllocationMinutes", "-5", "#ws-allocation", "An allocation is 0 or more whole minutes.")]
    [InlineData("Input.ResetDay", "40", "#ws-reset", "A reset day is 1 to 31.")]
    [InlineData("Input.ResetDay", "0", "#ws-reset", "A reset day is 1 to 31.")]
    [InlineData("Input.Name", "   ", "#ws-name", "Give the workspace a name.")]
    public async Task An_invalid_value_re_renders_the_editor_with_the_message_at_the_field_and_changes_nothing(string field, string value, string input, string message)
    {
        using var client = FormClient.For(app);
        await client.SignInOrFailAsync(AppFixture.OwnerEmail, AppFixture.Password);
        var berlin = await app.WorkspaceAsync("Berlin Office");
        var editor = await client.GetAsync($"/settings/workspaces/{berlin.Id}");
        var before = await app.WorkspacesAsync();

        // A valid change alongside the invalid one must not be saved either.
        var fields = FormClient.FieldsOf(editor.NamedForm("save-workspace"), new Dictionary<string, string>
        {
            ["Input.Kind"] = "Project",
            [field] = value,
        });
        var answer = await client.PostAsync($"/settings/workspaces/{berlin.Id}", fields);

        answer.Status.Should().Be(HttpStatusCode.OK, "the form is shown again");
        answer.FieldMessages(input).Should().Equal(message);
        answer.TextOf("#saved-notice").Should().BeNull();
        answer.TextOf("#save-workspace").Should().NotBeNull("the editor is shown again to correct the value");
        (await app.WorkspacesAsync()).Should().BeEquivalentTo(before, "nothing is saved");
    }

    [Fact]
    public async Task An_invalid_new_workspace_is_not_created()
    {
        using var client = FormClient.For(app);
        await client.SignInOrFailAsync(AppFixture.OwnerEmail, AppFixture.Password);
        var list = await client.GetAsync("/settings/workspaces");
        var before = await app.WorkspacesAsync();

        var answer = await client.PostAsync("/settings/workspaces", FormClient.FieldsOf(list.NamedForm("create-workspace"), new Dictionary<string, string>
        {
            ["NewWorkspace.Name"] = "Negative",
            ["NewWorkspace.AllocationMinutes"] = "-5",
            ["NewWorkspace.ResetDay"] = "40",
        }));

        answer.Status.Should().Be(HttpStatusCode.OK);
        answer.FieldMessages("#new-allocation").Should().Equal("An allocation is 0 or more whole minutes.");
        answer.FieldMessages("#new-reset").Should().Equal("A reset day is 1 to 31.");
        answer.TextOf("#created-credentials").Should().BeNull();
        (await app.WorkspacesAsync()).Should().BeEquivalentTo(before);
    }

    [Fact]
    public async Task The_csv_export_has_a_header_and_one_rfc4180_row_per_workspace_in_utf8()
    {
        const string awkward = "Smith, \"Jones\" & Müller";
        using var owner = FormClient.For(app);
        await owner.SignInOrFailAsync(AppFixture.OwnerEmail, AppFixture.Password);

        // Created through the page's own form.
        var list = await owner.GetAsync("/settings/workspaces");
        var created = await owner.PostAsync("/settings/workspaces", FormClient.FieldsOf(list.NamedForm("create-workspace"), new Dictionary<string, string>
        {
            ["NewWorkspace.Name"] = awkward,
            ["NewWorkspace.Kind"] = "Client",
        }));
        created.Status.Should().Be(HttpStatusCode.OK);
        created.Document.QuerySelector("#created-credentials h2")!.TextContent.Should().Contain(awkward);
        var workspaces = await app.WorkspacesAsync();
        var stored = workspaces.Should().ContainSingle(w => w.Name == awkward).Subject;

        using var response = await owner.Http.GetAsync("/settings/workspaces.csv");
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        response.Content.Headers.ContentType.CharSet.Should().BeEquivalentTo("utf-8");
        response.Content.Headers.ContentDisposition!.FileName.Should().MatchRegex(@"^""?workspaces-\d{4}-\d{2}-\d{2}\.csv""?$");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
        ContainsSequence(bytes, Encoding.UTF8.GetBytes("Müller")).Should().BeTrue("the file is UTF-8 (ü is C3 BC)");

        text.Should().EndWith("\r\n");
        var lines = text[..^2].Split("\r\n");
        lines[0].Should().Be("workspace,kind,user_id,allocation_minutes,reset_day,period_start,next_reset,used_seconds,remaining_seconds,active_calls,archived");
        lines.Length.Should().Be(1 + workspaces.Count, "one row per workspace");
        var rows = lines.Skip(1).Select(ParseCsvLine).ToList();
        rows.Should().OnlyContain(r => r.Count == 11);
        rows.Select(r => r[0]).Should().BeEquivalentTo(workspaces.Select(w => w.Name));
        rows.Select(r => r[2]).Should().BeEquivalentTo(workspaces.Select(w => w.UserId));

        var line = lines.Single(l => l.Contains("Müller", StringComparison.Ordinal));
        line.Should().StartWith("\"Smith, \"\"Jones\"\" & Müller\",Client," + stored.UserId + ",,5,");
        var sales = rows.Single(r => r[0] == "Sales");
        sales[3].Should().Be("2000");
        sales[4].Should().Be("1");
    }

    [Fact]
    public async Task Finance_may_export_the_csv_and_staff_gets_403_not_allowed()
    {
        using var finance = FormClient.For(app);
        await finance.SignInOrFailAsync(AppFixture.FinanceEmail, AppFixture.Password);
        using (var export = await finance.Http.GetAsync("/settings/workspaces.csv"))
        {
            export.StatusCode.Should().Be(HttpStatusCode.OK);
            export.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        }

        using var staff = FormClient.For(app);
        await staff.SignInOrFailAsync(AppFixture.StaffEmail, AppFixture.Password);
        var refused = await staff.GetAsync("/settings/workspaces.csv");
        refused.Status.Should().Be(HttpStatusCode.Forbidden, "staff may not export; the body was: {0}", refused.Body);
        refused.TextOf("main h1").Should().Be("Not allowed");
    }

    [Fact]
    public async Task An_unknown_address_answers_404_with_the_page_not_found_page()
    {
        using var client = FormClient.For(app);
        var anonymous = await client.GetAsync("/no-such-page");
        anonymous.Status.Should().Be(HttpStatusCode.NotFound);
        (anonymous.Document.QuerySelector("main h1")?.TextContent ?? "").Should().Be("Page not found", "the body was: {0}", anonymous.Body);

        await client.SignInOrFailAsync(AppFixture.StaffEmail, AppFixture.Password);
        var signedIn = await client.GetAsync("/settings/no-such-page");
        signedIn.Status.Should().Be(HttpStatusCode.NotFound);
        (signedIn.Document.QuerySelector("main h1")?.TextContent ?? "").Should().Be("Page not found", "the body was: {0}", signedIn.Body);
    }

    /// <summary>A redirect target on this site as a local path and query (an absolute one must point here).</summary>
    private string LocalPath(Uri? location)
    {
        location.Should().NotBeNull("a redirect names its target");
        if (!location!.IsAbsoluteUri)
        {
            return location.OriginalString;
        }

        location.GetLeftPart(UriPartial.Authority).Should().Be(app.BaseAddress.GetLeftPart(UriPartial.Authority), "a redirect stays on this site");
        return location.PathAndQuery;
    }

    /// <summary>One RFC 4180 record (no line breaks inside fields in these files).</summary>
    private static List<string> ParseCsvLine(string line)
    {
        var fields = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c == '"' && current.Length == 0)
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }

    private static bool ContainsSequence(byte[] haystack, byte[] needle) =>
        haystack.AsSpan().IndexOf(needle) >= 0;
}
