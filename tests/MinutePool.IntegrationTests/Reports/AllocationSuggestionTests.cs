using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Auditing;
using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Core.Workspaces;
using MinutePool.Data;
using MinutePool.Data.Accounts;
using MinutePool.Data.Reports;
using MinutePool.Data.Workspaces;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Reports;

/// <summary>Suggested allocations from usage over several periods, and applying them through the allocation save.</summary>
public abstract class AllocationSuggestionTests<TDatabase> : IAsyncLifetime
    where TDatabase : TestDatabase, new()
{
    private const string Owner = "owner@example.test";

    private static readonly DateTimeOffset Created = Utc(2026, 8, 2);

    private static readonly DateTimeOffset Now = Utc(2026, 11, 15, 15);

    private readonly TDatabase _db = new();

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Suggestions_come_from_each_workspaces_last_three_ended_periods_on_its_own_reset_day()
    {
        await _db.PlanAsync("p1000", 1_000);
        var (account, alpha, beta, gamma) = await ThreeWorkspacesWithHistoryAsync("p1000");

        var report = await SuggestAsync(account);

        report.PlanMinutes.Should().Be(1_000);
        report.Set.Scaled.Should().BeFalse();
        var alphaRow = report.Workspaces.Single(w => w.Workspace.Id == alpha);
        alphaRow.RecentPeriods.Select(p => (p.Period.StartDate, p.UsedSeconds / 60)).Should().Equal(
            (new DateOnly(2026, 10, 1), 250L), (new DateOnly(2026, 9, 1), 300L), (new DateOnly(2026, 8, 1), 200L));
        alphaRow.CurrentPeriodSeconds.Should().Be(50 * 60);
        alphaRow.Suggestion.Should().BeEquivalentTo(new { SuggestedMinutes = 330, CurrentAllocationMinutes = 100, Basis = SuggestionBasis.History });

        var betaRow = report.Workspaces.Single(w => w.Workspace.Id == beta);
        betaRow.EffectiveResetDay.Should().Be(15);
        betaRow.RecentPeriods.Select(p => (p.Period.StartDate, p.UsedSeconds / 60)).Should().Equal(
            (new DateOnly(2026, 10, 15), 120L), (new DateOnly(2026, 9, 15), 400L), (new DateOnly(2026, 8, 15), 100L));
        betaRow.Suggestion.SuggestedMinutes.Should().Be(440, "the 1,000 minutes of the period from July 15 are older than three periods");

        var gammaRow = report.Workspaces.Single(w => w.Workspace.Id == gamma);
        gammaRow.RecentPeriods.Should().OnlyContain(p => !p.Counted, "gamma did not exist in those periods and used nothing in them");
        gammaRow.Suggestion.Should().BeEquivalentTo(new { SuggestedMinutes = 50, Basis = SuggestionBasis.NoHistory });

        report.Set.TotalMinutes.Should().Be(820);
    }

    [Fact]
    public async Task Suggestions_that_exceed_the_plan_are_scaled_to_fit_and_applying_them_saves_and_audits_each_change()
    {
        await _db.PlanAsync("p500", 500);
        var (account, alpha, beta, gamma) = await ThreeWorkspacesWithHistoryAsync("p500");

        var report = await SuggestAsync(account);

        // Gamma keeps its 50; alpha's 330 and beta's 440 share the 450 left: 192.86 and 257.14 → 193 and 257.
        report.Set.Scaled.Should().BeTrue("330 + 440 + 50 is more than 500");
        report.Set.TotalMinutes.Should().Be(500);
        var expected = new Dictionary<Guid, int?> { [alpha] = 193, [beta] = 257, [gamma] = 50 };
        report.Set.Suggestions.ToDictionary(s => s.WorkspaceId, s => s.SuggestedMinutes).Should().Equal(expected);

        var applied = Seed.Ok(await ApplyAsync(account));

        applied.Select(w => w.Id).Should().BeEquivalentTo([alpha, beta], "gamma's allocation does not change");
        (await AllocationsAsync(account)).Should().Equal(expected);
        var audit = await AuditAsync(account);
        audit.Should().HaveCount(2).And.OnlyContain(e => e.Action == "workspace.updated" && e.Actor == Owner);
        audit.Should().Contain(e => e.Subject == $"workspace:{beta}" && e.Before!.Contains("\"allocationMinutes\":null") && e.After!.Contains("\"allocationMinutes\":257"));
        audit.Should().Contain(e => e.Subject == $"workspace:{alpha}" && e.Before!.Contains("\"allocationMinutes\":100") && e.After!.Contains("\"allocationMinutes\":193"));

        Seed.Ok(await ApplyAsync(account)).Should().BeEmpty("applying the same suggestions again changes nothing");
        (await AuditAsync(account)).Should().HaveCount(2);
    }

    [Fact]
    public async Task The_sum_never_exceeds_the_plan_for_generated_usage()
    {
        await _db.PlanAsync("p900", 900);
        _db.Clock.Now = Created;
        var account = await _db.AccountAsync("p900", billingDay: 7, distribution: true);
        var random = new Random(6);
        var workspaces = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            workspaces.Add((await _db.WorkspaceAsync(account, $"W{i}", resetDay: random.Next(1, 32))).Workspace.Id);
        }

        for (var day = 0; day < 100; day += 3)
        {
            var start = Created.AddDays(day).AddHours(random.Next(0, 20));
            var workspace = workspaces[random.Next(workspaces.Count)];
            await CallAsync(account, workspace, $"call-{day}", start, random.Next(1, 120));
        }

        _db.Clock.Now = Now;
        var report = await SuggestAsync(account);

        report.Set.TotalMinutes.Should().BeLessThanOrEqualTo(900);
        report.Set.Suggestions.Should().OnlyContain(s => s.SuggestedMinutes >= 0);
        foreach (var row in report.Workspaces.Where(r => r.RecentPeriods.Any(p => p.Counted)))
        {
            var peak = Math.Max(row.RecentPeriods.Max(p => p.UsedSeconds), row.CurrentPeriodSeconds);
            var expected = AllocationSuggestions.Unscaled(new WorkspaceUsageHistory(row.Workspace.Id, null, [peak], 0));
            row.Suggestion.UnscaledMinutes.Should().Be(expected, "the rule reads the peak of the recent periods from the usage buckets");
        }

        Seed.Ok(await ApplyAsync(account));
        (await AllocationsAsync(account)).Values.Sum(v => v ?? 0).Should().BeLessThanOrEqualTo(900);
    }

    [Fact]
    public async Task A_refused_apply_changes_nothing()
    {
        await _db.PlanAsync("p1000", 1_000);
        var (account, _, _, _) = await ThreeWorkspacesWithHistoryAsync("p1000");
        await using (var scope = _db.Scope(account))
        {
            Seed.Ok(await scope.ServiceProvider.GetRequiredService<AccountService>().SetDistributionAsync(false, Seed.Actor));
        }

        var before = await AllocationsAsync(account);

        var result = await ApplyAsync(account);

        result.Error!.Code.Should().Be(ErrorCodes.DistributionDisabled, "allocations are given only with distribution on");
        (await AllocationsAsync(account)).Should().Equal(before);
        (await AuditAsync(account)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_bulk_save_that_fails_on_one_workspace_saves_none_of_them()
    {
        await _db.PlanAsync("p1000", 1_000);
        var (account, alpha, beta, _) = await ThreeWorkspacesWithHistoryAsync("p1000");
        var before = await AllocationsAsync(account);

        Result<IReadOnlyList<Workspace>> result;
        await using (var scope = _db.Scope(account))
        {
            result = await scope.ServiceProvider.GetRequiredService<WorkspaceService>()
                .SetAllocationsAsync(new Dictionary<Guid, int?> { [alpha] = 300, [beta] = 900 }, Owner);
        }

        result.Error!.Code.Should().Be(ErrorCodes.AllocationExceedsBalance);
        result.Error.Extensions["remainingAllocatableMinutes"].Should().Be(50L, "alpha is judged against 1,000 minus beta's new 900 and gamma's 50");
        result.Error.Extensions["workspaceId"].Should().Be(alpha);
        (await AllocationsAsync(account)).Should().Equal(before);
        (await AuditAsync(account)).Should().BeEmpty();

        await using (var scope = _db.Scope(account))
        {
            // Lowering one to make room for another works in a single save, whatever the order.
            Seed.Ok(await scope.ServiceProvider.GetRequiredService<WorkspaceService>()
                .SetAllocationsAsync(new Dictionary<Guid, int?> { [beta] = 940, [alpha] = 10 }, Owner));
        }

        (await AllocationsAsync(account))[beta].Should().Be(940);
    }

    [Fact]
    public async Task Another_tenants_usage_and_workspaces_never_influence_the_suggestions()
    {
        await _db.PlanAsync("p1000", 1_000);
        var (account, alpha, beta, gamma) = await ThreeWorkspacesWithHistoryAsync("p1000");
        var alone = (await SuggestAsync(account)).Set.Suggestions;

        _db.Clock.Now = Created;
        var other = await _db.AccountAsync("p1000", distribution: true, name: "Other");
        var otherWorkspace = (await _db.WorkspaceAsync(other, "Alpha", allocation: 10)).Workspace.Id;
        foreach (var month in new[] { 8, 9, 10, 11 })
        {
            await CallAsync(other, otherWorkspace, $"other-{month}", Utc(2026, month, 3, 9), 700);
        }

        _db.Clock.Now = Now;
        var report = await SuggestAsync(account);

        report.Set.Suggestions.Should().Equal(alone);
        report.Workspaces.Select(w => w.Workspace.Id).Should().BeEquivalentTo([alpha, beta, gamma]);
        Seed.Ok(await ApplyAsync(account));
        (await AllocationsAsync(other)).Should().Equal(new Dictionary<Guid, int?> { [otherWorkspace] = 10 });
        (await AuditAsync(other)).Should().BeEmpty();
    }

    /// <summary>
    /// Account created August 2 (UTC, billing day 1, distribution on). Alpha (reset day 1, 100 min): 200,
    /// 300, 250 in August–October, 50 so far in November. Beta (reset day 15, no allocation): 1,000 in the
    /// period from July 15, then 100, 400, 120, and 10 in the running one. Gamma (50 min), created November 12.
    /// The clock ends at <see cref="Now"/>, November 15.
    /// </summary>
    private async Task<(Guid Account, Guid Alpha, Guid Beta, Guid Gamma)> ThreeWorkspacesWithHistoryAsync(string plan)
    {
        _db.Clock.Now = Created;
        var account = await _db.AccountAsync(plan, billingDay: 1, distribution: true);
        var alpha = (await _db.WorkspaceAsync(account, "Alpha", allocation: 100)).Workspace.Id;
        var beta = (await _db.WorkspaceAsync(account, "Beta", resetDay: 15)).Workspace.Id;

        await CallAsync(account, beta, "b-jul", Utc(2026, 8, 5, 9), 1_000);
        await CallAsync(account, alpha, "a-aug", Utc(2026, 8, 10, 9), 200);
        await CallAsync(account, beta, "b-aug", Utc(2026, 8, 20, 9), 100);
        await CallAsync(account, alpha, "a-sep", Utc(2026, 9, 10, 9), 300);
        await CallAsync(account, beta, "b-sep", Utc(2026, 10, 1, 9), 400);
        await CallAsync(account, alpha, "a-oct", Utc(2026, 10, 10, 9), 250);
        await CallAsync(account, alpha, "a-nov", Utc(2026, 11, 3, 9), 50);
        await CallAsync(account, beta, "b-oct", Utc(2026, 11, 10, 9), 120);

        _db.Clock.Now = Utc(2026, 11, 12);
        var gamma = (await _db.WorkspaceAsync(account, "Gamma", allocation: 50)).Workspace.Id;
        await CallAsync(account, beta, "b-nov", Utc(2026, 11, 15, 9), 10);
        _db.Clock.Now = Now;
        return (account, alpha, beta, gamma);
    }

    /// <summary>Imports a finished call of whole minutes, with the clock just after it ends (imports reach 35 days back).</summary>
    private async Task CallAsync(Guid account, Guid workspace, string callId, DateTimeOffset start, int minutes)
    {
        var now = start.AddMinutes(minutes + 1);
        if (now > _db.Clock.Now)
        {
            _db.Clock.Now = now;
        }

        var result = await _db.CallAsync(account, workspace, callId, start, minutes * 60);
        result.Should().NotBeNull();
    }

    private async Task<AllocationSuggestionReport> SuggestAsync(Guid account)
    {
        await using var scope = _db.Scope(account);
        return (await scope.ServiceProvider.GetRequiredService<AllocationSuggestionService>().SuggestAsync())!;
    }

    private async Task<Result<IReadOnlyList<Workspace>>> ApplyAsync(Guid account)
    {
        await using var scope = _db.Scope(account);
        return await scope.ServiceProvider.GetRequiredService<AllocationSuggestionService>().ApplyAsync(Owner);
    }

    private async Task<Dictionary<Guid, int?>> AllocationsAsync(Guid account)
    {
        await using var scope = _db.Scope(account);
        return await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Workspaces.AsNoTracking()
            .ToDictionaryAsync(w => w.Id, w => w.AllocationMinutes);
    }

    /// <summary>Allocation changes by the owner (the seeding writes its own entries as "test").</summary>
    private async Task<List<AuditEntry>> AuditAsync(Guid account)
    {
        await using var scope = _db.Scope(account);
        return await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().AuditEntries.AsNoTracking()
            .Where(e => e.Actor == Owner)
            .ToListAsync();
    }

    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);
}

public sealed class AllocationSuggestionOnPostgresTests : AllocationSuggestionTests<PostgresDatabase>;

public sealed class AllocationSuggestionOnSqliteTests : AllocationSuggestionTests<SqliteDatabase>;
