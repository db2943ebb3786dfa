using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Data;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

// Every endpoint of shared/API.md (reports and statements aside) against its contract: the exact shape
// of the success answer, each error code that applies with its status and field, and that a refused
// request changed nothing. The clock stands at 2026-11-22T15:00Z.

/// <summary>POST/GET /plans and POST /accounts, behind the operator token.</summary>
public sealed class OperatorEndpointContractTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("p100", 100);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Creating_a_plan_answers_201_with_the_plan_and_the_default_increment_minimum_and_limit()
    {
        using var client = _host.Operator();

        var plan = await (await client.PostAsJsonAsync("/api/v1/plans", new
        {
            code = "basic-500", name = "Basic 500", minutesPerCycle = 500, price = new { amount = 49.90m, currency = "EUR" },
        })).ShouldBeAsync(201);

        plan.ShouldBePlan();
        plan.GetProperty("code").GetString().Should().Be("basic-500");
        plan.GetProperty("name").GetString().Should().Be("Basic 500");
        plan.GetProperty("minutesPerCycle").GetInt32().Should().Be(500);
        plan.GetProperty("price").GetProperty("amount").GetDecimal().Should().Be(49.90m);
        plan.GetProperty("price").GetProperty("currency").GetString().Should().Be("EUR");
        plan.GetProperty("billingIncrementSeconds").GetInt32().Should().Be(1);
        plan.GetProperty("minimumBillableSeconds").GetInt32().Should().Be(30);
        plan.GetProperty("concurrentCallLimit").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Listing_plans_answers_200_with_every_plan_in_the_plan_shape()
    {
        using var client = _host.Operator();
        await (await client.PostAsJsonAsync("/api/v1/plans", new
        {
            code = "bridge-60", name = "Bridge", minutesPerCycle = 60, price = new { amount = 5m, currency = "USD" },
            billingIncrementSeconds = 6, minimumBillableSeconds = 0, concurrentCallLimit = 1,
        })).ShouldBeAsync(201);

        var plans = await (await client.GetAsync("/api/v1/plans")).ShouldBeAsync(200);

        plans.ValueKind.Should().Be(JsonValueKind.Array);
        plans.EnumerateArray().Select(p => p.GetProperty("code").GetString()).Should().BeEquivalentTo("p100", "bridge-60");
        foreach (var plan in plans.EnumerateArray())
        {
            plan.ShouldBePlan();
        }

        var bridge = plans.EnumerateArray().Single(p => p.GetProperty("code").GetString() == "bridge-60");
        bridge.GetProperty("billingIncrementSeconds").GetInt32().Should().Be(6);
        bridge.GetProperty("minimumBillableSeconds").GetInt32().Should().Be(0);
        bridge.GetProperty("concurrentCallLimit").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Creating_a_plan_with_an_existing_code_is_refused_409_duplicate_and_keeps_the_first_plan()
    {
        using var client = _host.Operator();

        var refused = await (await client.PostAsJsonAsync("/api/v1/plans", new
        {
            code = "p100", name = "Impostor", minutesPerCycle = 999, price = new { amount = 1m, currency = "USD" },
        })).ShouldBeProblemAsync(409, "duplicate");

        refused.ShouldNameField("code");
        var plans = await (await client.GetAsync("/api/v1/plans")).ShouldBeAsync(200);
        var only = plans.EnumerateArray().Should().ContainSingle().Subject;
        only.GetProperty("name").GetString().Should().Be("p100");
        only.GetProperty("minutesPerCycle").GetInt32().Should().Be(100);
    }

    [Fact]
    public async Task Creating_a_plan_with_a_7_second_increment_is_refused_400_naming_the_field_and_creates_nothing()
    {
        using var client = _host.Operator();

        var refused = await (await client.PostAsJsonAsync("/api/v1/plans", new
        {
            code = "odd", name = "Odd", minutesPerCycle = 100, price = new { amount = 1m, currency = "USD" }, billingIncrementSeconds = 7,
        })).ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("billingIncrementSeconds");
        var plans = await (await client.GetAsync("/api/v1/plans")).ShouldBeAsync(200);
        plans.EnumerateArray().Select(p => p.GetProperty("code").GetString()).Should().Equal("p100");
    }

    [Fact]
    public async Task Creating_an_account_answers_201_with_its_fields_and_an_api_key_that_reaches_it()
    {
        using var client = _host.Operator();

        var created = await (await client.PostAsJsonAsync("/api/v1/accounts", new
        {
            name = "Acme", planCode = "p100", timeZone = "Europe/Berlin", billingDay = 15,
            owner = new { email = "owner@acme.example", password = "Secret-pass-1" },
        })).ShouldBeAsync(201);

        created.ShouldHaveExactly("id", "name", "planCode", "timeZone", "billingDay", "apiKey");
        created.GetProperty("name").GetString().Should().Be("Acme");
        created.GetProperty("planCode").GetString().Should().Be("p100");
        created.GetProperty("timeZone").GetString().Should().Be("Europe/Berlin");
        created.GetProperty("billingDay").GetInt32().Should().Be(15);
        using var withKey = _host.Client(created.GetProperty("apiKey").GetString());
        var account = await (await withKey.GetAsync("/api/v1/account")).ShouldBeAsync(200);
        account.GetProperty("id").GetGuid().Should().Be(created.Id());
        account.GetProperty("name").GetString().Should().Be("Acme");
    }

    [Fact]
    public async Task An_account_created_without_a_billing_day_bills_on_today_the_22nd_in_UTC()
    {
        var created = await CreateAccountWithoutBillingDayAsync("UTC");

        created.GetProperty("billingDay").GetInt32().Should().Be(22);
    }

    [Fact]
    public async Task An_account_created_without_a_billing_day_in_Kiritimati_bills_on_the_23rd_already_begun_there()
    {
        var created = await CreateAccountWithoutBillingDayAsync("Pacific/Kiritimati");

        created.GetProperty("billingDay").GetInt32().Should().Be(23, "15:00Z is 05:00 on the 23rd at UTC+14");
        created.GetProperty("timeZone").GetString().Should().Be("Pacific/Kiritimati");
    }

    [Theory]
    [InlineData("planCode", "no-such-plan", "UTC", 1, "owner@example.com", "Secret-pass-1")]
    [InlineData("timeZone", "p100", "Mars/Base", 1, "owner@example.com", "Secret-pass-1")]
    [InlineData("billingDay", "p100", "UTC", 0, "owner@example.com", "Secret-pass-1")]
    [InlineData("billingDay", "p100", "UTC", 32, "owner@example.com", "Secret-pass-1")]
    [InlineData("owner.email", "p100", "UTC", 1, "not-an-email", "Secret-pass-1")]
    [InlineData("owner.password", "p100", "UTC", 1, "owner@example.com", "short")]
    public async Task Creating_an_account_with_an_invalid_value_is_refused_400_naming_the_field_and_creates_nothing(
        string field, string planCode, string timeZone, int billingDay, string email, string password)
    {
        var before = await CountAccountsAndUsersAsync();
        using var client = _host.Operator();

        var refused = await (await client.PostAsJsonAsync("/api/v1/accounts", new
        {
            name = "Invalid", planCode, timeZone, billingDay, owner = new { email, password },
        })).ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField(field);
        (await CountAccountsAndUsersAsync()).Should().Be(before);
    }

    [Fact]
    public async Task Operator_endpoints_answer_401_unauthorized_to_a_missing_wrong_or_account_token_and_change_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var accountKey = account.Http.DefaultRequestHeaders.Authorization!.Parameter!;
        var before = await CountAccountsAndUsersAsync();

        foreach (var token in new[] { null, "wrong-token", ApiHost.OperatorToken + "x", accountKey })
        {
            using var client = _host.Client(token);
            foreach (var (method, path, body) in OperatorRequests)
            {
                var response = await client.SendJsonAsync(method, path, body);
                await response.ShouldBeProblemAsync(401, "unauthorized", $"{method} {path} with token '{token}'");
            }
        }

        using var operatorClient = _host.Operator();
        var plans = await (await operatorClient.GetAsync("/api/v1/plans")).ShouldBeAsync(200);
        plans.EnumerateArray().Select(p => p.GetProperty("code").GetString()).Should().Equal("p100");
        (await CountAccountsAndUsersAsync()).Should().Be(before);
    }

    internal static readonly (string Method, string Path, string? Body)[] OperatorRequests =
    [
        ("POST", "/api/v1/plans", """{"code":"sneaky","name":"Sneaky","minutesPerCycle":1000000,"price":{"amount":0,"currency":"USD"}}"""),
        ("GET", "/api/v1/plans", null),
        ("POST", "/api/v1/accounts", """{"name":"Sneaky","planCode":"p100","timeZone":"UTC","owner":{"email":"sneaky@example.com","password":"Secret-pass-1"}}"""),
    ];

    private async Task<JsonElement> CreateAccountWithoutBillingDayAsync(string timeZone)
    {
        using var client = _host.Operator();
        return await (await client.PostAsJsonAsync("/api/v1/accounts", new
        {
            name = "No billing day", planCode = "p100", timeZone, owner = new { email = $"o-{Guid.NewGuid():N}@example.com", password = "Secret-pass-1" },
        })).ShouldBeAsync(201);
    }

    private async Task<(int Accounts, int Users)> CountAccountsAndUsersAsync()
    {
        await using var scope = _host.Database.Scope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        return (await db.Accounts.IgnoreQueryFilters().CountAsync(), await db.Users.CountAsync());
    }
}

/// <summary>With no operator token configured the operator endpoints do not exist.</summary>
public sealed class UnconfiguredOperatorEndpointContractTests : IAsyncLifetime
{
    private readonly ApiHost _host = new() { Settings = { ["MinutePool:OperatorToken"] = "" } };

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Operator_endpoints_answer_404_whatever_the_token_when_no_operator_token_is_configured()
    {
        foreach (var token in new[] { ApiHost.OperatorToken, null })
        {
            using var client = _host.Client(token);
            foreach (var (method, path, body) in OperatorEndpointContractTests.OperatorRequests)
            {
                var response = await client.SendJsonAsync(method, path, body);
                ((int)response.StatusCode).Should().Be(404, "{0} {1} with token '{2}' answered {3}", method, path, token, await response.Content.ReadAsStringAsync());
            }
        }

        await using var scope = _host.Database.Scope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        (await db.Plans.CountAsync()).Should().Be(0);
        (await db.Accounts.IgnoreQueryFilters().CountAsync()).Should().Be(0);
    }
}

/// <summary>API keys, GET /account, PUT /account/distribution, POST /account/plan-change.</summary>
public sealed class AccountEndpointContractTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("p50", 50);
        await _host.PlanAsync("p100", 100);
        await _host.PlanAsync("p200", 200);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Every_account_endpoint_answers_401_unauthorized_without_an_api_key_and_changes_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var before = await AccountRequests.SnapshotAsync(account);
        using var anonymous = _host.Client();

        foreach (var (method, path, body) in await AccountRequests.AllAsync(account))
        {
            await (await anonymous.SendJsonAsync(method, path, body)).ShouldBeProblemAsync(401, "unauthorized", $"{method} {path}");
        }

        (await AccountRequests.SnapshotAsync(account)).Should().Be(before);
    }

    [Fact]
    public async Task Every_account_endpoint_answers_401_unauthorized_to_a_malformed_unknown_or_tampered_key_and_changes_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var realKey = account.Http.DefaultRequestHeaders.Authorization!.Parameter!;
        var tampered = realKey[..^1] + (realKey[^1] == 'A' ? 'B' : 'A');
        var before = await AccountRequests.SnapshotAsync(account);

        foreach (var key in new[] { "not-a-key", ApiHost.OperatorToken, "mp_0123456789ab_" + realKey[16..], tampered })
        {
            using var client = _host.Client(key);
            foreach (var (method, path, body) in await AccountRequests.AllAsync(account))
            {
                await (await client.SendJsonAsync(method, path, body)).ShouldBeProblemAsync(401, "unauthorized", $"{method} {path} with key '{key}'");
            }
        }

        (await AccountRequests.SnapshotAsync(account)).Should().Be(before);
    }

    [Fact]
    public async Task Getting_the_account_answers_its_cycle_in_UTC_and_its_balances_in_whole_seconds()
    {
        var account = await _host.AccountAsync("p100", billingDay: 1);

        var summary = await account.GetAsync("/api/v1/account");

        summary.ShouldBeAccount();
        summary.GetProperty("id").GetGuid().Should().Be(account.Id);
        summary.GetProperty("planCode").GetString().Should().Be("p100");
        summary.GetProperty("timeZone").GetString().Should().Be("UTC");
        summary.GetProperty("billingDay").GetInt32().Should().Be(1);
        summary.GetProperty("distributionEnabled").GetBoolean().Should().BeFalse();
        summary.GetProperty("cycle").UtcTime("start").Should().Be(Utc(2026, 11, 1));
        summary.GetProperty("cycle").UtcTime("end").Should().Be(Utc(2026, 12, 1));
        summary.Seconds("totalSeconds").Should().Be(6_000);
        summary.Seconds("usedSeconds").Should().Be(0);
        summary.Seconds("remainingSeconds").Should().Be(6_000);
        summary.GetProperty("allocatedMinutes").GetInt64().Should().Be(0);
        summary.GetProperty("unallocatedMinutes").GetInt64().Should().Be(100);
        summary.ShouldHaveNoPendingPlanChange();
    }

    [Fact]
    public async Task A_Berlin_account_cycle_starts_at_local_midnight_shown_in_UTC()
    {
        var account = await _host.AccountAsync("p100", timeZone: "Europe/Berlin", billingDay: 1);

        var cycle = (await account.GetAsync("/api/v1/account")).GetProperty("cycle");

        cycle.UtcTime("start").Should().Be(new DateTimeOffset(2026, 10, 31, 23, 0, 0, TimeSpan.Zero));
        cycle.UtcTime("end").Should().Be(new DateTimeOffset(2026, 11, 30, 23, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task Turning_distribution_on_answers_200_with_the_account_and_it_stays_on()
    {
        var account = await _host.AccountAsync("p100");

        var answered = await (await account.Http.PutAsJsonAsync("/api/v1/account/distribution", new { enabled = true })).ShouldBeAsync(200);

        answered.ShouldBeAccount();
        answered.GetProperty("distributionEnabled").GetBoolean().Should().BeTrue();
        (await account.GetAsync("/api/v1/account")).GetProperty("distributionEnabled").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Setting_distribution_without_enabled_is_refused_400_naming_enabled_and_changes_nothing()
    {
        var account = await _host.AccountAsync("p100", distribution: true);

        var refused = await (await account.Http.PutAsJsonAsync("/api/v1/account/distribution", new { })).ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("enabled");
        (await account.GetAsync("/api/v1/account")).GetProperty("distributionEnabled").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task An_upgrade_answers_immediate_and_the_account_has_the_bigger_plan_at_once()
    {
        var account = await _host.AccountAsync("p100");

        var change = await (await account.Http.PostAsJsonAsync("/api/v1/account/plan-change", new { planCode = "p200" })).ShouldBeAsync(200);

        change.ShouldHaveExactly("planCode", "effective", "effectiveAt");
        change.GetProperty("planCode").GetString().Should().Be("p200");
        change.GetProperty("effective").GetString().Should().Be("immediate");
        change.UtcTime("effectiveAt").Should().BeOnOrBefore(_host.Clock.Now);
        var summary = await account.GetAsync("/api/v1/account");
        summary.GetProperty("planCode").GetString().Should().Be("p200");
        summary.Seconds("totalSeconds").Should().Be(12_000);
        summary.ShouldHaveNoPendingPlanChange();
    }

    [Fact]
    public async Task A_downgrade_answers_next_cycle_at_the_cycle_end_and_shows_as_pending()
    {
        var account = await _host.AccountAsync("p100", billingDay: 1);

        var change = await (await account.Http.PostAsJsonAsync("/api/v1/account/plan-change", new { planCode = "p50" })).ShouldBeAsync(200);

        change.ShouldHaveExactly("planCode", "effective", "effectiveAt");
        change.GetProperty("effective").GetString().Should().Be("next_cycle");
        change.UtcTime("effectiveAt").Should().Be(Utc(2026, 12, 1));
        var summary = await account.GetAsync("/api/v1/account");
        summary.GetProperty("planCode").GetString().Should().Be("p100");
        var pending = summary.GetProperty("pendingPlanChange");
        pending.ShouldHaveExactly("planCode", "effectiveAt");
        pending.GetProperty("planCode").GetString().Should().Be("p50");
        pending.UtcTime("effectiveAt").Should().Be(Utc(2026, 12, 1));
    }

    [Fact]
    public async Task A_downgrade_below_the_allocations_is_refused_422_allocations_exceed_plan_and_nothing_is_scheduled()
    {
        var account = await _host.AccountAsync("p100", distribution: true);
        await account.CreateWorkspaceAsync("Big", allocationMinutes: 80);

        await (await account.Http.PostAsJsonAsync("/api/v1/account/plan-change", new { planCode = "p50" })).ShouldBeProblemAsync(422, "allocations_exceed_plan");

        var summary = await account.GetAsync("/api/v1/account");
        summary.GetProperty("planCode").GetString().Should().Be("p100");
        summary.ShouldHaveNoPendingPlanChange();
    }

    [Fact]
    public async Task A_plan_change_to_an_unknown_plan_is_refused_400_naming_planCode_and_changes_nothing()
    {
        var account = await _host.AccountAsync("p100");

        var refused = await (await account.Http.PostAsJsonAsync("/api/v1/account/plan-change", new { planCode = "no-such-plan" }))
            .ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("planCode");
        var summary = await account.GetAsync("/api/v1/account");
        summary.GetProperty("planCode").GetString().Should().Be("p100");
        summary.ShouldHaveNoPendingPlanChange();
    }

    private static DateTimeOffset Utc(int year, int month, int day) => new(year, month, day, 0, 0, 0, TimeSpan.Zero);
}

/// <summary>POST/GET/PATCH /workspaces, archive, passcode rotation and balance.</summary>
public sealed class WorkspaceEndpointContractTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    private DateTimeOffset Now => _host.Clock.Now;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("p100", 100);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Creating_a_workspace_answers_201_with_the_workspace_its_8_digit_user_id_and_its_passcode()
    {
        var account = await _host.AccountAsync("p100", billingDay: 1, distribution: true);

        var created = await (await account.Http.PostAsJsonAsync("/api/v1/workspaces", new
        {
            name = "Berlin office", kind = "location", allocationMinutes = 30, resetDay = 20, concurrentCallLimit = 2,
        })).ShouldBeAsync(201);

        created.ShouldBeWorkspace(withPasscode: true);
        created.GetProperty("name").GetString().Should().Be("Berlin office");
        created.GetProperty("kind").GetString().Should().Be("location");
        created.GetProperty("userId").GetString().Should().MatchRegex("^[1-9][0-9]{7}$");
        created.GetProperty("passcode").GetString().Should().MatchRegex("^[0-9]{6,12}$");
        created.GetProperty("allocationMinutes").GetInt32().Should().Be(30);
        created.GetProperty("resetDay").GetInt32().Should().Be(20);
        created.GetProperty("concurrentCallLimit").GetInt32().Should().Be(2);
        created.GetProperty("archived").GetBoolean().Should().BeFalse();
        created.GetProperty("activeCalls").GetInt32().Should().Be(0);
        created.GetProperty("period").UtcTime("start").Should().Be(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero));
        created.GetProperty("period").UtcTime("end").Should().Be(new DateTimeOffset(2026, 12, 20, 0, 0, 0, TimeSpan.Zero));
        created.Seconds("usedSeconds").Should().Be(0);
        created.Seconds("remainingSeconds").Should().Be(30 * 60);
    }

    [Fact]
    public async Task A_workspace_created_with_only_a_name_follows_the_billing_day_and_draws_on_the_shared_pool()
    {
        var account = await _host.AccountAsync("p100", billingDay: 5);

        var created = await (await account.Http.PostAsJsonAsync("/api/v1/workspaces", new { name = "Plain" })).ShouldBeAsync(201);

        created.ShouldBeWorkspace(withPasscode: true);
        created.GetProperty("allocationMinutes").ValueKind.Should().Be(JsonValueKind.Null);
        created.GetProperty("concurrentCallLimit").ValueKind.Should().Be(JsonValueKind.Null);
        created.GetProperty("resetDay").GetInt32().Should().Be(5);
        created.GetProperty("period").UtcTime("start").Should().Be(new DateTimeOffset(2026, 11, 5, 0, 0, 0, TimeSpan.Zero));
        created.Seconds("remainingSeconds").Should().Be(6_000);
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"X","resetDay":32}""", "resetDay")]
    [InlineData("""{"name":"X","resetDay":0}""", "resetDay")]
    [InlineData("""{"name":"X","concurrentCallLimit":0}""", "concurrentCallLimit")]
    [InlineData("""{"name":"X","kind":"planet"}""", "kind")]
    public async Task Creating_a_workspace_with_an_invalid_value_is_refused_400_naming_the_field_and_creates_nothing(string body, string field)
    {
        var account = await _host.AccountAsync("p100", distribution: true);

        var refused = await (await account.Http.SendJsonAsync("POST", "/api/v1/workspaces", body)).ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField(field);
        (await account.GetAsync("/api/v1/workspaces?includeArchived=true")).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Creating_a_workspace_with_an_allocation_while_distribution_is_off_is_refused_409_and_creates_nothing()
    {
        var account = await _host.AccountAsync("p100");

        var refused = await (await account.Http.PostAsJsonAsync("/api/v1/workspaces", new { name = "Early", allocationMinutes = 10 }))
            .ShouldBeProblemAsync(409, "distribution_disabled");

        refused.ShouldNameField("allocationMinutes");
        (await account.GetAsync("/api/v1/workspaces?includeArchived=true")).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task Creating_a_workspace_with_more_than_the_plan_is_refused_422_with_the_minutes_still_free_and_creates_nothing()
    {
        var account = await _host.AccountAsync("p100", distribution: true);
        await account.CreateWorkspaceAsync("First", allocationMinutes: 70);

        var refused = await (await account.Http.PostAsJsonAsync("/api/v1/workspaces", new { name = "Second", allocationMinutes = 31 }))
            .ShouldBeProblemAsync(422, "allocation_exceeds_balance");

        refused.ShouldNameField("allocationMinutes");
        refused.GetProperty("remainingAllocatableMinutes").GetInt64().Should().Be(30);
        (await account.GetAsync("/api/v1/workspaces")).GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task Listing_workspaces_answers_each_in_the_workspace_shape_without_its_passcode()
    {
        var account = await _host.AccountAsync("p100");
        await account.CreateWorkspaceAsync("Alpha");
        await account.CreateWorkspaceAsync("Beta");

        var listed = await account.GetAsync("/api/v1/workspaces");

        listed.EnumerateArray().Select(w => w.GetProperty("name").GetString()).Should().BeEquivalentTo("Alpha", "Beta");
        foreach (var workspace in listed.EnumerateArray())
        {
            workspace.ShouldBeWorkspace(withPasscode: false);
        }
    }

    [Fact]
    public async Task Getting_a_workspace_answers_what_creation_answered_except_the_passcode()
    {
        var account = await _host.AccountAsync("p100", distribution: true);
        var created = await account.CreateWorkspaceAsync("Desk", allocationMinutes: 10, resetDay: 3, concurrentCallLimit: 4);

        var fetched = await account.GetAsync($"/api/v1/workspaces/{created.Id()}");

        fetched.ShouldBeWorkspace(withPasscode: false);
        foreach (var member in fetched.EnumerateObject())
        {
            member.Value.GetRawText().Should().Be(created.GetProperty(member.Name).GetRawText(), "'{0}' must read back as created", member.Name);
        }
    }

    [Fact]
    public async Task Getting_an_unknown_workspace_answers_404_not_found()
    {
        var account = await _host.AccountAsync("p100");

        await (await account.Http.GetAsync($"/api/v1/workspaces/{Guid.NewGuid()}")).ShouldBeProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Patching_only_the_name_leaves_every_other_field_as_it_was()
    {
        var account = await _host.AccountAsync("p100", distribution: true);
        var created = await account.CreateWorkspaceAsync("Old name", allocationMinutes: 30, resetDay: 20, concurrentCallLimit: 2);

        var patched = await (await account.Http.PatchAsJsonAsync($"/api/v1/workspaces/{created.Id()}", new { name = "New name" })).ShouldBeAsync(200);

        patched.ShouldBeWorkspace(withPasscode: false);
        patched.GetProperty("name").GetString().Should().Be("New name");
        patched.GetProperty("kind").GetString().Should().Be("department");
        patched.GetProperty("allocationMinutes").GetInt32().Should().Be(30);
        patched.GetProperty("resetDay").GetInt32().Should().Be(20);
        patched.GetProperty("concurrentCallLimit").GetInt32().Should().Be(2);
        (await account.GetAsync($"/api/v1/workspaces/{created.Id()}")).GetRawText().Should().Be(patched.GetRawText());
    }

    [Fact]
    public async Task Patching_allocation_and_limit_to_null_clears_them_and_frees_the_minutes()
    {
        var account = await _host.AccountAsync("p100", distribution: true);
        var created = await account.CreateWorkspaceAsync("Desk", allocationMinutes: 30, resetDay: 20, concurrentCallLimit: 2);

        var patched = await (await account.Http.SendJsonAsync("PATCH", $"/api/v1/workspaces/{created.Id()}", """{"allocationMinutes":null,"concurrentCallLimit":null}"""))
            .ShouldBeAsync(200);

        patched.GetProperty("allocationMinutes").ValueKind.Should().Be(JsonValueKind.Null);
        patched.GetProperty("concurrentCallLimit").ValueKind.Should().Be(JsonValueKind.Null);
        patched.GetProperty("resetDay").GetInt32().Should().Be(20, "an absent member is left as it is");
        var summary = await account.GetAsync("/api/v1/account");
        summary.GetProperty("allocatedMinutes").GetInt64().Should().Be(0);
        summary.GetProperty("unallocatedMinutes").GetInt64().Should().Be(100);
    }

    [Fact]
    public async Task Patching_reset_day_to_null_returns_the_workspace_to_the_billing_day_and_its_period()
    {
        var account = await _host.AccountAsync("p100", billingDay: 5, distribution: true);
        var created = await account.CreateWorkspaceAsync("Desk", allocationMinutes: 30, resetDay: 20);

        var patched = await (await account.Http.SendJsonAsync("PATCH", $"/api/v1/workspaces/{created.Id()}", """{"resetDay":null}""")).ShouldBeAsync(200);

        patched.GetProperty("resetDay").GetInt32().Should().Be(5);
        patched.GetProperty("period").UtcTime("start").Should().Be(new DateTimeOffset(2026, 11, 5, 0, 0, 0, TimeSpan.Zero));
        patched.GetProperty("period").UtcTime("end").Should().Be(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));
        patched.GetProperty("allocationMinutes").GetInt32().Should().Be(30);
    }

    [Fact]
    public async Task Patching_an_unknown_field_is_refused_400_naming_it_and_changes_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var created = await account.CreateWorkspaceAsync("Desk");

        var refused = await (await account.Http.SendJsonAsync("PATCH", $"/api/v1/workspaces/{created.Id()}", """{"name":"Renamed","colour":"red"}"""))
            .ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("colour");
        (await account.GetAsync($"/api/v1/workspaces/{created.Id()}")).GetProperty("name").GetString().Should().Be("Desk");
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"kind":"planet"}""", "kind")]
    [InlineData("""{"resetDay":0}""", "resetDay")]
    [InlineData("""{"resetDay":32}""", "resetDay")]
    [InlineData("""{"concurrentCallLimit":0}""", "concurrentCallLimit")]
    [InlineData("""{"allocationMinutes":-1}""", "allocationMinutes")]
    [InlineData("""{"allocationMinutes":1.5}""", "allocationMinutes")]
    public async Task Patching_an_invalid_value_is_refused_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        var account = await _host.AccountAsync("p100", distribution: true);
        var created = await account.CreateWorkspaceAsync("Desk", allocationMinutes: 30, resetDay: 20, concurrentCallLimit: 2);

        var refused = await (await account.Http.SendJsonAsync("PATCH", $"/api/v1/workspaces/{created.Id()}", body)).ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField(field);
        (await account.GetAsync($"/api/v1/workspaces/{created.Id()}")).ShouldMatchExceptPasscode(created);
    }

    [Fact]
    public async Task Patching_an_allocation_while_distribution_is_off_is_refused_409_distribution_disabled_and_changes_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var created = await account.CreateWorkspaceAsync("Desk");

        var refused = await (await account.Http.PatchAsJsonAsync($"/api/v1/workspaces/{created.Id()}", new { allocationMinutes = 10 }))
            .ShouldBeProblemAsync(409, "distribution_disabled");

        refused.ShouldNameField("allocationMinutes");
        (await account.GetAsync($"/api/v1/workspaces/{created.Id()}")).ShouldMatchExceptPasscode(created);
    }

    [Fact]
    public async Task Patching_an_allocation_above_the_free_minutes_is_refused_422_with_the_minutes_still_free_and_changes_nothing()
    {
        var account = await _host.AccountAsync("p100", distribution: true);
        await account.CreateWorkspaceAsync("Big", allocationMinutes: 60);
        var created = await account.CreateWorkspaceAsync("Small", allocationMinutes: 10);

        var refused = await (await account.Http.PatchAsJsonAsync($"/api/v1/workspaces/{created.Id()}", new { allocationMinutes = 41 }))
            .ShouldBeProblemAsync(422, "allocation_exceeds_balance");

        refused.ShouldNameField("allocationMinutes");
        refused.GetProperty("remainingAllocatableMinutes").GetInt64().Should().Be(40);
        (await account.GetAsync($"/api/v1/workspaces/{created.Id()}")).ShouldMatchExceptPasscode(created);
    }

    [Fact]
    public async Task Patching_an_unknown_workspace_answers_404_not_found()
    {
        var account = await _host.AccountAsync("p100");

        await (await account.Http.PatchAsJsonAsync($"/api/v1/workspaces/{Guid.NewGuid()}", new { name = "Ghost" })).ShouldBeProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Archiving_answers_200_with_the_workspace_marked_archived()
    {
        var account = await _host.AccountAsync("p100");
        var created = await account.CreateWorkspaceAsync("Old branch");

        var archived = await (await account.Http.PostAsync($"/api/v1/workspaces/{created.Id()}/archive", null)).ShouldBeAsync(200);

        archived.ShouldBeWorkspace(withPasscode: false);
        archived.Id().Should().Be(created.Id());
        archived.GetProperty("archived").GetBoolean().Should().BeTrue();
        (await account.GetAsync($"/api/v1/workspaces/{created.Id()}")).GetProperty("archived").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task An_archived_workspace_refuses_new_calls_with_403_workspace_archived_and_records_none()
    {
        var account = await _host.AccountAsync("p100");
        var created = await account.CreateWorkspaceAsync("Old branch");
        await (await account.Http.PostAsync($"/api/v1/workspaces/{created.Id()}/archive", null)).ShouldBeAsync(200);

        await (await account.StartAsync("after-archive", created.Id())).ShouldBeProblemAsync(403, "workspace_archived");

        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task An_archived_workspace_is_listed_only_with_includeArchived_true()
    {
        var account = await _host.AccountAsync("p100");
        await account.CreateWorkspaceAsync("Active");
        var old = await account.CreateWorkspaceAsync("Old branch");
        await (await account.Http.PostAsync($"/api/v1/workspaces/{old.Id()}/archive", null)).ShouldBeAsync(200);

        var listed = await account.GetAsync("/api/v1/workspaces");
        var withArchived = await account.GetAsync("/api/v1/workspaces?includeArchived=true");

        listed.EnumerateArray().Select(w => w.GetProperty("name").GetString()).Should().Equal("Active");
        withArchived.EnumerateArray().Select(w => w.GetProperty("name").GetString()).Should().BeEquivalentTo("Active", "Old branch");
        withArchived.EnumerateArray().Single(w => w.Id() == old.Id()).GetProperty("archived").GetBoolean().Should().BeTrue();
    }

    [Fact]
    public async Task Archiving_an_unknown_workspace_answers_404_not_found()
    {
        var account = await _host.AccountAsync("p100");

        await (await account.Http.PostAsync($"/api/v1/workspaces/{Guid.NewGuid()}/archive", null)).ShouldBeProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task Rotating_the_passcode_answers_the_same_user_id_and_a_new_6_to_12_digit_passcode()
    {
        var account = await _host.AccountAsync("p100");
        var created = await account.CreateWorkspaceAsync("Bridge");

        var rotated = await (await account.Http.PostAsync($"/api/v1/workspaces/{created.Id()}/passcode", null)).ShouldBeAsync(200);

        rotated.ShouldHaveExactly("userId", "passcode");
        rotated.GetProperty("userId").GetString().Should().Be(created.GetProperty("userId").GetString());
        rotated.GetProperty("passcode").GetString().Should().MatchRegex("^[0-9]{6,12}$").And.NotBe(created.GetProperty("passcode").GetString());
    }

    [Fact]
    public async Task After_rotation_the_old_passcode_is_refused_401_invalid_passcode_and_the_new_one_starts_calls()
    {
        var account = await _host.AccountAsync("p100");
        var created = await account.CreateWorkspaceAsync("Bridge");
        var userId = created.GetProperty("userId").GetString();
        var rotated = await (await account.Http.PostAsync($"/api/v1/workspaces/{created.Id()}/passcode", null)).ShouldBeAsync(200);

        await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "old", userId, passcode = created.GetProperty("passcode").GetString() }))
            .ShouldBeProblemAsync(401, "invalid_passcode");
        var started = await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "new", userId, passcode = rotated.GetProperty("passcode").GetString() }))
            .ShouldBeAsync(201);

        started.GetProperty("workspaceId").GetGuid().Should().Be(created.Id());
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("callId").GetString()).Should().Equal("new");
    }

    [Fact]
    public async Task Rotating_the_passcode_of_an_unknown_workspace_answers_404_not_found()
    {
        var account = await _host.AccountAsync("p100");

        await (await account.Http.PostAsync($"/api/v1/workspaces/{Guid.NewGuid()}/passcode", null)).ShouldBeProblemAsync(404, "not_found");
    }

    [Fact]
    public async Task The_balance_of_an_allocated_workspace_lists_workspace_and_account_scopes_now_with_the_smallest_remaining()
    {
        var account = await _host.AccountAsync("p100", billingDay: 1, distribution: true);
        var workspace = (await account.CreateWorkspaceAsync("Desk", allocationMinutes: 30, resetDay: 20)).Id();
        await (await account.StartAsync("two-minutes", workspace, Now.AddMinutes(-10))).ShouldBeAsync(201);
        await (await account.EndAsync("two-minutes", Now.AddMinutes(-8))).ShouldBeAsync(200);

        var balance = await account.GetAsync($"/api/v1/workspaces/{workspace}/balance");

        balance.ShouldHaveExactly("workspaceId", "at", "scopes", "remainingSeconds");
        balance.GetProperty("workspaceId").GetGuid().Should().Be(workspace);
        balance.UtcTime("at").Should().Be(Now);
        var scopes = balance.GetProperty("scopes").EnumerateArray().ToList();
        scopes.Select(s => s.GetProperty("scope").GetString()).Should().Equal("workspace", "account");
        scopes.ForEach(s => s.ShouldBeScopeBalance());
        scopes[0].UtcTime("periodStart").Should().Be(new DateTimeOffset(2026, 11, 20, 0, 0, 0, TimeSpan.Zero));
        scopes[0].UtcTime("periodEnd").Should().Be(new DateTimeOffset(2026, 12, 20, 0, 0, 0, TimeSpan.Zero));
        scopes[0].Seconds("totalSeconds").Should().Be(1_800);
        scopes[0].Seconds("usedSeconds").Should().Be(120);
        scopes[0].Seconds("remainingSeconds").Should().Be(1_680);
        scopes[1].UtcTime("periodStart").Should().Be(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
        scopes[1].Seconds("totalSeconds").Should().Be(6_000);
        scopes[1].Seconds("usedSeconds").Should().Be(120);
        scopes[1].Seconds("remainingSeconds").Should().Be(5_880);
        balance.Seconds("remainingSeconds").Should().Be(1_680);
    }

    [Fact]
    public async Task The_balance_of_a_workspace_without_allocation_lists_the_unallocated_pool_and_the_account()
    {
        var account = await _host.AccountAsync("p100", distribution: true);
        await account.CreateWorkspaceAsync("Allocated", allocationMinutes: 40);
        var workspace = (await account.CreateWorkspaceAsync("Shared")).Id();

        var balance = await account.GetAsync($"/api/v1/workspaces/{workspace}/balance");

        var scopes = balance.GetProperty("scopes").EnumerateArray().ToList();
        scopes.Select(s => s.GetProperty("scope").GetString()).Should().Equal("unallocated_pool", "account");
        scopes[0].Seconds("totalSeconds").Should().Be(60 * 60);
        balance.Seconds("remainingSeconds").Should().Be(60 * 60);
    }

    [Fact]
    public async Task The_balance_at_a_given_instant_with_an_offset_is_answered_for_that_instant_in_UTC()
    {
        var account = await _host.AccountAsync("p100", billingDay: 1);
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        var balance = await account.GetAsync($"/api/v1/workspaces/{workspace}/balance?at={Uri.EscapeDataString("2026-10-15T12:00:00+02:00")}");

        balance.UtcTime("at").Should().Be(new DateTimeOffset(2026, 10, 15, 10, 0, 0, TimeSpan.Zero));
        var only = balance.GetProperty("scopes").EnumerateArray().Should().ContainSingle().Subject;
        only.GetProperty("scope").GetString().Should().Be("account");
        only.UtcTime("periodStart").Should().Be(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero));
        only.UtcTime("periodEnd").Should().Be(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-13-01T00:00:00Z")]
    [InlineData("99999-01-01")]
    public async Task A_balance_at_an_unreadable_instant_is_refused_400_naming_at(string at)
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        var refused = await (await account.Http.GetAsync($"/api/v1/workspaces/{workspace}/balance?at={Uri.EscapeDataString(at)}"))
            .ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("at");
    }

    [Fact]
    public async Task The_balance_of_an_unknown_workspace_answers_404_not_found()
    {
        var account = await _host.AccountAsync("p100");

        await (await account.Http.GetAsync($"/api/v1/workspaces/{Guid.NewGuid()}/balance")).ShouldBeProblemAsync(404, "not_found");
    }
}

/// <summary>POST /calls, heartbeat and end.</summary>
public sealed class CallEndpointContractTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    private DateTimeOffset Now => _host.Clock.Now;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("p100", 100);
        await _host.PlanAsync("one-minute", 1);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Starting_a_call_answers_201_with_the_start_now_in_UTC_and_the_seconds_it_may_use()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        var started = await (await account.StartAsync("call-1", workspace)).ShouldBeAsync(201);

        started.ShouldHaveExactly("callId", "workspaceId", "startedAt", "maxUsageSeconds");
        started.GetProperty("callId").GetString().Should().Be("call-1");
        started.GetProperty("workspaceId").GetGuid().Should().Be(workspace);
        started.UtcTime("startedAt").Should().Be(Now);
        started.Seconds("maxUsageSeconds").Should().Be(6_000);
        var listed = (await account.GetAsync("/api/v1/calls")).GetProperty("items").EnumerateArray().Should().ContainSingle().Subject;
        listed.GetProperty("endedAt").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_start_given_with_an_offset_is_answered_in_UTC()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        var started = await (await account.StartAsync("call-1", workspace, new DateTimeOffset(2026, 11, 22, 16, 55, 0, TimeSpan.FromHours(2)))).ShouldBeAsync(201);

        started.UtcTime("startedAt").Should().Be(new DateTimeOffset(2026, 11, 22, 14, 55, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task Starting_the_same_call_id_again_answers_as_the_first_time_and_records_one_call()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var first = await (await account.StartAsync("call-1", workspace, Now.AddMinutes(-2))).ShouldBeAsync(201);

        var repeat = await (await account.StartAsync("call-1", workspace, Now.AddMinutes(-1))).ShouldBeAsync(201);

        repeat.GetRawText().Should().Be(first.GetRawText());
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(1);
    }

    [Fact]
    public async Task A_start_10_minutes_in_the_future_is_refused_422_invalid_time_range_and_records_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        var refused = await (await account.StartAsync("future", workspace, Now.AddMinutes(10))).ShouldBeProblemAsync(422, "invalid_time_range");

        refused.ShouldNameField("startedAt");
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_start_naming_neither_a_workspace_nor_a_user_id_is_refused_400_naming_workspaceId_and_records_nothing()
    {
        var account = await _host.AccountAsync("p100");
        await account.CreateWorkspaceAsync();

        var refused = await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "nowhere" })).ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("workspaceId");
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_start_without_a_call_id_is_refused_400_naming_callId_and_records_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        var refused = await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { workspaceId = workspace })).ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("callId");
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_start_in_an_unknown_workspace_answers_404_not_found()
    {
        var account = await _host.AccountAsync("p100");

        await (await account.StartAsync("lost", Guid.NewGuid())).ShouldBeProblemAsync(404, "not_found");

        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_start_on_an_exhausted_account_is_refused_403_minutes_exhausted_naming_the_account_scope()
    {
        var account = await _host.AccountAsync("one-minute");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await (await account.StartAsync("long", workspace, Now.AddMinutes(-10))).ShouldBeAsync(201);
        await (await account.EndAsync("long", Now.AddMinutes(-8))).ShouldBeAsync(200);

        var refused = await (await account.StartAsync("refused", workspace)).ShouldBeProblemAsync(403, "minutes_exhausted");

        refused.GetProperty("scope").GetString().Should().Be("account");
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("callId").GetString()).Should().Equal("long");
    }

    [Fact]
    public async Task A_start_beyond_the_concurrent_call_limit_is_refused_409_concurrent_call_limit_and_records_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync("Bridge", concurrentCallLimit: 1)).Id();
        await (await account.StartAsync("first", workspace)).ShouldBeAsync(201);

        await (await account.StartAsync("second", workspace)).ShouldBeProblemAsync(409, "concurrent_call_limit");

        (await account.GetAsync("/api/v1/calls")).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("callId").GetString()).Should().Equal("first");
    }

    [Fact]
    public async Task A_start_with_a_wrong_passcode_is_refused_401_invalid_passcode_and_five_lock_the_user_id_with_429()
    {
        var account = await _host.AccountAsync("p100");
        var bridge = await account.CreateWorkspaceAsync("Bridge");
        var userId = bridge.GetProperty("userId").GetString();
        var wrong = bridge.GetProperty("passcode").GetString() == "00000000" ? "11111111" : "00000000";

        for (var i = 0; i < 4; i++)
        {
            await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = $"wrong-{i}", userId, passcode = wrong })).ShouldBeProblemAsync(401, "invalid_passcode");
        }

        await (await account.Http.PostAsJsonAsync("/api/v1/calls", new { callId = "wrong-4", userId, passcode = wrong })).ShouldBeProblemAsync(429, "passcode_locked");
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_heartbeat_on_a_running_call_answers_204_with_no_body()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await (await account.StartAsync("call-1", workspace)).ShouldBeAsync(201);

        var response = await account.Http.PostAsync("/api/v1/calls/call-1/heartbeat", null);

        ((int)response.StatusCode).Should().Be(204);
        (await response.Content.ReadAsStringAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task A_heartbeat_on_an_unknown_call_answers_404_call_not_found()
    {
        var account = await _host.AccountAsync("p100");

        await (await account.Http.PostAsync("/api/v1/calls/no-such-call/heartbeat", null)).ShouldBeProblemAsync(404, "call_not_found");
    }

    [Fact]
    public async Task Ending_a_call_answers_200_with_its_times_in_UTC_and_whole_duration_and_billable_seconds()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await (await account.StartAsync("call-1", workspace, Now.AddMinutes(-10))).ShouldBeAsync(201);

        var ended = await (await account.EndAsync("call-1", new DateTimeOffset(2026, 11, 22, 16, 55, 30, 900, TimeSpan.FromHours(2)))).ShouldBeAsync(200);

        ended.ShouldHaveExactly("callId", "workspaceId", "startedAt", "endedAt", "durationSeconds", "billableSeconds");
        ended.GetProperty("callId").GetString().Should().Be("call-1");
        ended.GetProperty("workspaceId").GetGuid().Should().Be(workspace);
        ended.UtcTime("startedAt").Should().Be(Now.AddMinutes(-10));
        ended.UtcTime("endedAt").Should().Be(new DateTimeOffset(2026, 11, 22, 14, 55, 30, 900, TimeSpan.Zero));
        ended.Seconds("durationSeconds").Should().Be(330, "fractions of a second are dropped");
        ended.Seconds("billableSeconds").Should().Be(330);
    }

    [Fact]
    public async Task Ending_a_call_without_endedAt_ends_it_now()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await (await account.StartAsync("call-1", workspace, Now.AddMinutes(-2))).ShouldBeAsync(201);

        var ended = await (await account.Http.PostAsJsonAsync("/api/v1/calls/call-1/end", new { })).ShouldBeAsync(200);

        ended.UtcTime("endedAt").Should().Be(Now);
        ended.Seconds("durationSeconds").Should().Be(120);
    }

    [Fact]
    public async Task Ending_a_call_before_its_start_is_refused_422_invalid_time_range_and_the_call_keeps_running()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await (await account.StartAsync("call-1", workspace, Now.AddMinutes(-5))).ShouldBeAsync(201);

        var refused = await (await account.EndAsync("call-1", Now.AddMinutes(-6))).ShouldBeProblemAsync(422, "invalid_time_range");

        refused.ShouldNameField("endedAt");
        var call = (await account.GetAsync("/api/v1/calls")).GetProperty("items")[0];
        call.GetProperty("endedAt").ValueKind.Should().Be(JsonValueKind.Null);
        (await account.GetAsync($"/api/v1/workspaces/{workspace}")).GetProperty("activeCalls").GetInt32().Should().Be(1);
        (await account.GetAsync("/api/v1/account")).Seconds("usedSeconds").Should().Be(0);
    }

    [Fact]
    public async Task Ending_an_unknown_call_answers_404_call_not_found()
    {
        var account = await _host.AccountAsync("p100");

        await (await account.EndAsync("no-such-call")).ShouldBeProblemAsync(404, "call_not_found");
    }

    [Fact]
    public async Task Ending_a_call_again_answers_the_same_body_and_charges_it_once()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await (await account.StartAsync("call-1", workspace, Now.AddMinutes(-10))).ShouldBeAsync(201);
        var first = await (await account.EndAsync("call-1", Now.AddMinutes(-7))).ShouldBeAsync(200);

        var again = await (await account.EndAsync("call-1", Now.AddMinutes(-1))).ShouldBeAsync(200);

        again.GetRawText().Should().Be(first.GetRawText());
        (await account.GetAsync("/api/v1/account")).Seconds("usedSeconds").Should().Be(180);
    }
}

/// <summary>POST /usage-records and GET /calls.</summary>
public sealed class UsageAndCallListEndpointContractTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    private DateTimeOffset Now => _host.Clock.Now;

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("p100", 100);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Importing_a_batch_answers_accepted_duplicates_and_each_rejected_record_by_index_and_code()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var records = new object[]
        {
            new { callId = "imp-1", workspaceId = workspace, startedAt = Now.AddHours(-2), endedAt = Now.AddHours(-2).AddMinutes(5) },
            new { callId = "imp-2", workspaceId = workspace, startedAt = Now.AddHours(-1), endedAt = Now.AddHours(-1).AddSeconds(45), projectTag = "acme" },
            new { callId = "imp-1", workspaceId = workspace, startedAt = Now.AddHours(-2), endedAt = Now.AddHours(-2).AddMinutes(5) },
            new { callId = "imp-3", workspaceId = Guid.NewGuid(), startedAt = Now.AddHours(-1), endedAt = Now.AddHours(-1).AddMinutes(1) },
            new { callId = "imp-4", workspaceId = workspace, startedAt = Now.AddHours(-1), endedAt = Now.AddHours(-1).AddMinutes(-1) },
            new { callId = "imp-5", workspaceId = workspace, startedAt = Now.AddMinutes(10), endedAt = Now.AddMinutes(11) },
            new { workspaceId = workspace, startedAt = Now.AddHours(-1), endedAt = Now.AddHours(-1).AddMinutes(1) },
        };

        var result = await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records })).ShouldBeAsync(200);

        result.ShouldHaveExactly("accepted", "duplicates", "rejected");
        result.GetProperty("accepted").GetInt32().Should().Be(2);
        result.GetProperty("duplicates").GetInt32().Should().Be(1);
        var rejected = result.GetProperty("rejected").EnumerateArray().ToList();
        rejected.ForEach(r => r.ShouldHaveMembers(["index", "code"], optional: ["message"]));
        rejected.Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("code").GetString())).Should().Equal(
            (3, "not_found"), (4, "invalid_time_range"), (5, "invalid_time_range"), (6, "validation_failed"));
        var calls = (await account.GetAsync("/api/v1/calls")).GetProperty("items").EnumerateArray().ToList();
        calls.Select(c => c.GetProperty("callId").GetString()).Should().Equal("imp-1", "imp-2");
        calls.Select(c => c.Seconds("billableSeconds")).Should().Equal(300, 45);
        (await account.GetAsync("/api/v1/account")).Seconds("usedSeconds").Should().Be(345);
    }

    [Fact]
    public async Task Importing_the_same_records_again_counts_them_as_duplicates_and_charges_nothing_more()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var records = new[]
        {
            new { callId = "imp-1", workspaceId = workspace, startedAt = Now.AddHours(-2), endedAt = Now.AddHours(-2).AddMinutes(5) },
            new { callId = "imp-2", workspaceId = workspace, startedAt = Now.AddHours(-1), endedAt = Now.AddHours(-1).AddMinutes(1) },
        };
        await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records })).ShouldBeAsync(200);

        var again = await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records })).ShouldBeAsync(200);

        again.GetProperty("accepted").GetInt32().Should().Be(0);
        again.GetProperty("duplicates").GetInt32().Should().Be(2);
        again.GetProperty("rejected").GetArrayLength().Should().Be(0);
        (await account.GetAsync("/api/v1/account")).Seconds("usedSeconds").Should().Be(360);
    }

    [Fact]
    public async Task A_batch_of_exactly_1000_records_is_accepted()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        var result = await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records = Batch(1_000, workspace) })).ShouldBeAsync(200);

        result.GetProperty("accepted").GetInt32().Should().Be(1_000);
    }

    [Fact]
    public async Task A_batch_of_1001_records_is_refused_413_payload_too_large_and_records_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records = Batch(1_001, workspace) })).ShouldBeProblemAsync(413, "payload_too_large");

        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
        (await account.GetAsync("/api/v1/account")).Seconds("usedSeconds").Should().Be(0);
    }

    [Fact]
    public async Task An_import_without_records_is_refused_400_naming_records()
    {
        var account = await _host.AccountAsync("p100");

        var refused = await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { })).ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("records");
    }

    [Fact]
    public async Task Listing_calls_answers_items_in_the_call_shape_and_a_null_cursor_when_all_fit()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await (await account.StartAsync("live", workspace, Now.AddMinutes(-1))).ShouldBeAsync(201);
        await ImportAsync(account, workspace, ("done", Now.AddHours(-1)));

        var page = await account.GetAsync("/api/v1/calls");

        page.ShouldHaveExactly("items", "nextCursor");
        page.GetProperty("nextCursor").ValueKind.Should().Be(JsonValueKind.Null);
        var items = page.GetProperty("items").EnumerateArray().ToList();
        items.ForEach(c => c.ShouldBeCall());
        items.Select(c => c.GetProperty("callId").GetString()).Should().Equal("done", "live");
        items[0].UtcTime("endedAt").Should().Be(Now.AddHours(-1).AddMinutes(2));
        items[0].Seconds("durationSeconds").Should().Be(120);
        items[1].GetProperty("endedAt").ValueKind.Should().Be(JsonValueKind.Null);
    }

    [Fact]
    public async Task Paging_calls_three_at_a_time_with_the_cursor_visits_each_call_once_in_start_order()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await ImportAsync(account, workspace,
            ("p-4", Now.AddHours(-3)), ("p-3b", Now.AddHours(-4)), ("p-1", Now.AddHours(-6)), ("p-3a", Now.AddHours(-4)), ("p-2", Now.AddHours(-5)));
        await (await account.StartAsync("p-5", workspace, Now.AddHours(-2))).ShouldBeAsync(201);
        await (await account.StartAsync("p-6", workspace, Now.AddHours(-1))).ShouldBeAsync(201);

        var seen = new List<string>();
        var pageSizes = new List<int>();
        string? cursor = null;
        do
        {
            var query = cursor is null ? "limit=3" : $"limit=3&cursor={Uri.EscapeDataString(cursor)}";
            var page = await account.GetAsync($"/api/v1/calls?{query}");
            var items = page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("callId").GetString()!).ToList();
            seen.AddRange(items);
            pageSizes.Add(items.Count);
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null && pageSizes.Count < 10);

        seen.Should().Equal("p-1", "p-2", "p-3a", "p-3b", "p-4", "p-5", "p-6");
        pageSizes.Should().Equal(3, 3, 1);
    }

    [Fact]
    public async Task A_cursor_the_api_never_gave_out_is_refused_400_naming_cursor()
    {
        var account = await _host.AccountAsync("p100");

        var refused = await (await account.Http.GetAsync("/api/v1/calls?cursor=not-a-cursor%21%21")).ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("cursor");
    }

    [Fact]
    public async Task Listing_calls_for_one_workspace_answers_only_that_workspaces_calls()
    {
        var account = await _host.AccountAsync("p100");
        var first = (await account.CreateWorkspaceAsync("First")).Id();
        var second = (await account.CreateWorkspaceAsync("Second")).Id();
        await ImportAsync(account, first, ("first-1", Now.AddHours(-3)), ("first-2", Now.AddHours(-1)));
        await ImportAsync(account, second, ("second-1", Now.AddHours(-2)));

        var page = await account.GetAsync($"/api/v1/calls?workspaceId={second}");

        var items = page.GetProperty("items").EnumerateArray().ToList();
        items.Select(c => c.GetProperty("callId").GetString()).Should().Equal("second-1");
        items.Should().OnlyContain(c => c.GetProperty("workspaceId").GetGuid() == second);
    }

    [Fact]
    public async Task Listing_calls_from_and_to_answers_the_calls_that_started_in_between()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        await ImportAsync(account, workspace, ("h6", Now.AddHours(-6)), ("h5", Now.AddHours(-5)), ("h4", Now.AddHours(-4)), ("h3", Now.AddHours(-3)), ("h2", Now.AddHours(-2)));
        var from = Uri.EscapeDataString(Now.AddHours(-5.5).ToString("O", CultureInfo.InvariantCulture));
        var to = Uri.EscapeDataString(Now.AddHours(-3.5).ToString("O", CultureInfo.InvariantCulture));

        var page = await account.GetAsync($"/api/v1/calls?from={from}&to={to}");

        page.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("callId").GetString()).Should().Equal("h5", "h4");
    }

    [Theory]
    [InlineData("workspaceId=not-an-id", "workspaceId")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-01T00:00:00Z", "to")]
    [InlineData("limit=0", "limit")]
    public async Task Listing_calls_with_an_unreadable_filter_is_refused_400_naming_it(string query, string field)
    {
        var account = await _host.AccountAsync("p100");

        var refused = await (await account.Http.GetAsync($"/api/v1/calls?{query}")).ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField(field);
    }

    private object[] Batch(int count, Guid workspace) =>
        Enumerable.Range(0, count)
            .Select(i => (object)new { callId = $"batch-{i:D4}", workspaceId = workspace, startedAt = Now.AddHours(-3).AddSeconds(i), endedAt = Now.AddHours(-3).AddSeconds(i + 60) })
            .ToArray();

    private static async Task ImportAsync(AccountClient account, Guid workspace, params (string CallId, DateTimeOffset StartedAt)[] calls)
    {
        var records = calls.Select(c => new { callId = c.CallId, workspaceId = workspace, startedAt = c.StartedAt, endedAt = c.StartedAt.AddMinutes(2) });
        var result = await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records })).ShouldBeAsync(200);
        result.GetProperty("accepted").GetInt32().Should().Be(calls.Length, "every record was valid: {0}", result.GetRawText());
    }
}

/// <summary>Bodies that are not the JSON an endpoint expects: always 400 validation_failed, never 500.</summary>
public sealed class JsonBodyEndpointContractTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("p100", 100);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Malformed_json_is_refused_400_validation_failed_by_every_endpoint_that_takes_a_body_and_changes_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync("Desk")).Id();
        await (await account.StartAsync("call-1", workspace)).ShouldBeAsync(201);
        var before = await AccountRequests.SnapshotAsync(account);
        using var operatorClient = _host.Operator();
        var requests = new (HttpClient Client, string Method, string Path)[]
        {
            (operatorClient, "POST", "/api/v1/plans"),
            (operatorClient, "POST", "/api/v1/accounts"),
            (account.Http, "PUT", "/api/v1/account/distribution"),
            (account.Http, "POST", "/api/v1/account/plan-change"),
            (account.Http, "POST", "/api/v1/workspaces"),
            (account.Http, "PATCH", $"/api/v1/workspaces/{workspace}"),
            (account.Http, "POST", "/api/v1/calls"),
            (account.Http, "POST", "/api/v1/calls/call-1/end"),
            (account.Http, "POST", "/api/v1/usage-records"),
        };

        foreach (var (client, method, path) in requests)
        {
            await (await client.SendJsonAsync(method, path, """{"name": """)).ShouldBeProblemAsync(400, "validation_failed", $"{method} {path}");
        }

        (await AccountRequests.SnapshotAsync(account)).Should().Be(before);
    }

    [Fact]
    public async Task A_string_where_a_number_belongs_is_refused_400_naming_the_field_and_creates_nothing()
    {
        var account = await _host.AccountAsync("p100", distribution: true);

        var refused = await (await account.Http.SendJsonAsync("POST", "/api/v1/workspaces", """{"allocationMinutes":"ten"}"""))
            .ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("allocationMinutes");
        (await account.GetAsync("/api/v1/workspaces?includeArchived=true")).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_number_too_big_for_an_allocation_is_refused_400_naming_the_field_on_create_and_on_patch()
    {
        var account = await _host.AccountAsync("p100", distribution: true);
        var workspace = await account.CreateWorkspaceAsync("Desk");

        var onCreate = await (await account.Http.SendJsonAsync("POST", "/api/v1/workspaces", """{"name":"Huge","allocationMinutes":99999999999}"""))
            .ShouldBeProblemAsync(400, "validation_failed");
        var onPatch = await (await account.Http.SendJsonAsync("PATCH", $"/api/v1/workspaces/{workspace.Id()}", """{"allocationMinutes":99999999999}"""))
            .ShouldBeProblemAsync(400, "validation_failed");

        onCreate.ShouldNameField("allocationMinutes");
        onPatch.ShouldNameField("allocationMinutes");
        var listed = await account.GetAsync("/api/v1/workspaces?includeArchived=true");
        listed.EnumerateArray().Should().ContainSingle().Which.ShouldMatchExceptPasscode(workspace);
    }

    [Fact]
    public async Task Duplicate_json_keys_are_refused_400_on_create_and_on_patch_and_change_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = await account.CreateWorkspaceAsync("Desk");

        await (await account.Http.SendJsonAsync("POST", "/api/v1/workspaces", """{"name":"One","name":"Two"}""")).ShouldBeProblemAsync(400, "validation_failed");
        await (await account.Http.SendJsonAsync("PATCH", $"/api/v1/workspaces/{workspace.Id()}", """{"name":"One","name":"Two"}"""))
            .ShouldBeProblemAsync(400, "validation_failed");

        var listed = await account.GetAsync("/api/v1/workspaces?includeArchived=true");
        listed.EnumerateArray().Should().ContainSingle().Which.ShouldMatchExceptPasscode(workspace);
    }

    [Fact]
    public async Task An_unknown_member_is_refused_400_naming_it_and_creates_nothing()
    {
        var account = await _host.AccountAsync("p100");

        var refused = await (await account.Http.SendJsonAsync("POST", "/api/v1/workspaces", """{"name":"Desk","colour":"red"}"""))
            .ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("colour");
        (await account.GetAsync("/api/v1/workspaces?includeArchived=true")).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task An_empty_body_where_one_is_required_is_refused_400_validation_failed()
    {
        var account = await _host.AccountAsync("p100");

        await (await account.Http.SendJsonAsync("POST", "/api/v1/workspaces", "")).ShouldBeProblemAsync(400, "validation_failed");

        (await account.GetAsync("/api/v1/workspaces?includeArchived=true")).GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_workspace_id_that_is_not_an_id_is_refused_400_naming_workspaceId()
    {
        var account = await _host.AccountAsync("p100");

        var refused = await (await account.Http.SendJsonAsync("POST", "/api/v1/calls", """{"callId":"c1","workspaceId":"not-a-guid"}"""))
            .ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("workspaceId");
    }

    [Fact]
    public async Task An_unreadable_time_inside_a_usage_record_is_refused_400_naming_its_path()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        var refused = await (await account.Http.SendJsonAsync("POST", "/api/v1/usage-records",
            $$"""{"records":[{"callId":"c1","workspaceId":"{{workspace}}","startedAt":"soon","endedAt":"2026-11-22T14:00:00Z"}]}"""))
            .ShouldBeProblemAsync(400, "validation_failed");

        refused.ShouldNameField("records[0].startedAt");
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
    }
}

/// <summary>Every account endpoint as one list, and what an account looks like from outside.</summary>
internal static class AccountRequests
{
    /// <summary>One request per account endpoint, aimed at the account's first workspace and first call when it has them.</summary>
    public static async Task<IReadOnlyList<(string Method, string Path, string? Body)>> AllAsync(AccountClient account)
    {
        var workspaces = await account.GetAsync("/api/v1/workspaces?includeArchived=true");
        var workspace = workspaces.GetArrayLength() > 0 ? workspaces[0].Id() : Guid.NewGuid();
        var calls = (await account.GetAsync("/api/v1/calls")).GetProperty("items");
        var callId = calls.GetArrayLength() > 0 ? calls[0].GetProperty("callId").GetString() : "some-call";
        return
        [
            ("GET", "/api/v1/account", null),
            ("PUT", "/api/v1/account/distribution", """{"enabled":true}"""),
            ("POST", "/api/v1/account/plan-change", """{"planCode":"p200"}"""),
            ("POST", "/api/v1/workspaces", """{"name":"Intruder"}"""),
            ("GET", "/api/v1/workspaces", null),
            ("GET", $"/api/v1/workspaces/{workspace}", null),
            ("PATCH", $"/api/v1/workspaces/{workspace}", """{"name":"Intruder"}"""),
            ("POST", $"/api/v1/workspaces/{workspace}/archive", null),
            ("POST", $"/api/v1/workspaces/{workspace}/passcode", null),
            ("GET", $"/api/v1/workspaces/{workspace}/balance", null),
            ("POST", "/api/v1/calls", $$"""{"callId":"intruder","workspaceId":"{{workspace}}"}"""),
            ("POST", $"/api/v1/calls/{callId}/heartbeat", null),
            ("POST", $"/api/v1/calls/{callId}/end", "{}"),
            ("POST", "/api/v1/usage-records", $$"""{"records":[{"callId":"intruder-import","workspaceId":"{{workspace}}","startedAt":"2026-11-22T14:00:00Z","endedAt":"2026-11-22T14:10:00Z"}]}"""),
            ("GET", "/api/v1/calls", null),
        ];
    }

    /// <summary>The account, its workspaces (archived too) and its calls as the API shows them.</summary>
    public static async Task<string> SnapshotAsync(AccountClient account) =>
        string.Join(
            "\n",
            (await account.GetAsync("/api/v1/account")).GetRawText(),
            (await account.GetAsync("/api/v1/workspaces?includeArchived=true")).GetRawText(),
            (await account.GetAsync("/api/v1/calls")).GetRawText());
}

/// <summary>Assertions on the wire shapes of shared/API.md.</summary>
internal static partial class ContractShape
{
    private static readonly string[] WorkspaceMembers =
        ["id", "name", "kind", "userId", "allocationMinutes", "resetDay", "concurrentCallLimit", "archived", "activeCalls", "period", "usedSeconds", "remainingSeconds"];

    public static async Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, string method, string path, string? json)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return await client.SendAsync(request);
    }

    /// <summary>Like <see cref="HttpAssertions.ShouldBeProblemAsync"/>, naming the request when it fails.</summary>
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, int status, string code, string request)
    {
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(status, "{0} answered {1}", request, text);
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", "{0} answered {1}", request, text);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        body.GetProperty("code").GetString().Should().Be(code, "{0} answered {1}", request, text);
        return body;
    }

    public static void ShouldNameField(this JsonElement problem, string field)
    {
        problem.TryGetProperty("errors", out var errors).Should().BeTrue("the problem must name the field at fault: {0}", problem.GetRawText());
        errors.EnumerateObject().Select(e => e.Name).Should().Contain(field, "the problem was: {0}", problem.GetRawText());
    }

    public static void ShouldHaveExactly(this JsonElement element, params string[] members) => element.ShouldHaveMembers(members, optional: []);

    public static void ShouldHaveMembers(this JsonElement element, string[] required, string[] optional)
    {
        element.ValueKind.Should().Be(JsonValueKind.Object, "the answer was: {0}", element.GetRawText());
        var names = element.EnumerateObject().Select(p => p.Name).ToList();
        names.Should().Contain(required, "the answer was: {0}", element.GetRawText());
        names.Except(required).Except(optional).Should().BeEmpty("the contract has no such members; the answer was: {0}", element.GetRawText());
    }

    /// <summary>An ISO 8601 time in UTC (offset Z or +00:00), parsed.</summary>
    public static DateTimeOffset UtcTime(this JsonElement element, string member)
    {
        var text = element.GetProperty(member).GetString();
        text.Should().NotBeNull("'{0}' is a time", member);
        text.Should().MatchRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|\+00:00)$", "'{0}' must be ISO 8601 in UTC", member);
        return DateTimeOffset.Parse(text!, CultureInfo.InvariantCulture);
    }

    /// <summary>A duration or balance in whole seconds.</summary>
    public static long Seconds(this JsonElement element, string member)
    {
        var value = element.GetProperty(member);
        value.ValueKind.Should().Be(JsonValueKind.Number, "'{0}' is seconds", member);
        WholeNumber().IsMatch(value.GetRawText()).Should().BeTrue("'{0}' must be whole seconds, was {1}", member, value.GetRawText());
        return value.GetInt64();
    }

    public static void ShouldBePlan(this JsonElement plan)
    {
        plan.ShouldHaveExactly("code", "name", "minutesPerCycle", "price", "billingIncrementSeconds", "minimumBillableSeconds", "concurrentCallLimit");
        plan.GetProperty("price").ShouldHaveExactly("amount", "currency");
        plan.GetProperty("price").GetProperty("amount").ValueKind.Should().Be(JsonValueKind.Number);
    }

    public static void ShouldBeAccount(this JsonElement account)
    {
        account.ShouldHaveMembers(
            ["id", "name", "planCode", "timeZone", "billingDay", "distributionEnabled", "cycle", "totalSeconds", "usedSeconds", "remainingSeconds", "allocatedMinutes", "unallocatedMinutes"],
            optional: ["pendingPlanChange"]);
        account.GetProperty("cycle").ShouldHaveExactly("start", "end");
        account.GetProperty("cycle").UtcTime("start");
        account.GetProperty("cycle").UtcTime("end");
        account.Seconds("totalSeconds");
        account.Seconds("usedSeconds");
        account.Seconds("remainingSeconds");
        account.GetProperty("distributionEnabled").ValueKind.Should().BeOneOf(JsonValueKind.True, JsonValueKind.False);
    }

    public static void ShouldHaveNoPendingPlanChange(this JsonElement account)
    {
        if (account.TryGetProperty("pendingPlanChange", out var pending))
        {
            pending.ValueKind.Should().Be(JsonValueKind.Null);
        }
    }

    public static void ShouldBeWorkspace(this JsonElement workspace, bool withPasscode)
    {
        workspace.ShouldHaveExactly(withPasscode ? [.. WorkspaceMembers, "passcode"] : WorkspaceMembers);
        workspace.GetProperty("period").ShouldHaveExactly("start", "end");
        workspace.GetProperty("period").UtcTime("start");
        workspace.GetProperty("period").UtcTime("end");
        workspace.Seconds("usedSeconds");
        workspace.Seconds("remainingSeconds");
        workspace.GetProperty("userId").GetString().Should().MatchRegex("^[1-9][0-9]{7}$");
        workspace.GetProperty("kind").GetString().Should().BeOneOf("client", "department", "location", "project", "person", "other");
    }

    /// <summary>The workspace reads back exactly as <paramref name="original"/> (a creation answer) showed it.</summary>
    public static void ShouldMatchExceptPasscode(this JsonElement workspace, JsonElement original)
    {
        foreach (var member in workspace.EnumerateObject())
        {
            member.Value.GetRawText().Should().Be(original.GetProperty(member.Name).GetRawText(), "'{0}' must be unchanged", member.Name);
        }
    }

    public static void ShouldBeScopeBalance(this JsonElement scope)
    {
        scope.ShouldHaveExactly("scope", "periodStart", "periodEnd", "totalSeconds", "usedSeconds", "remainingSeconds");
        scope.UtcTime("periodStart");
        scope.UtcTime("periodEnd");
        scope.Seconds("totalSeconds");
        scope.Seconds("usedSeconds");
        scope.Seconds("remainingSeconds");
    }

    /// <summary>API.md leaves <c>call</c> open; it carries at least what the end answer does.</summary>
    public static void ShouldBeCall(this JsonElement call)
    {
        call.ShouldHaveMembers(["callId", "workspaceId", "startedAt", "endedAt", "durationSeconds", "billableSeconds"], optional: ["projectTag", "status", "source"]);
        call.UtcTime("startedAt");
        if (call.GetProperty("endedAt").ValueKind != JsonValueKind.Null)
        {
            call.UtcTime("endedAt");
            call.Seconds("durationSeconds");
            call.Seconds("billableSeconds");
        }
    }

    [GeneratedRegex("^-?[0-9]+$")]
    private static partial Regex WholeNumber();
}
