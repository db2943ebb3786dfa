using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Core.Common;
using MinutePool.Core.Plans;
using MinutePool.Core.Workspaces;
using MinutePool.Data;
using MinutePool.Data.Accounts;
using MinutePool.Data.Identity;
using MinutePool.Data.Plans;
using MinutePool.Data.Workspaces;
using MinutePool.Web.Accounts;

namespace MinutePool.Web.Demo;

/// <summary>What the seed created, with the secrets that are shown once.</summary>
public sealed record DemoSignIns(Guid AccountId, string AccountName, string ApiKey, IReadOnlyList<(AccountRole Role, string Email, string Password, string? Workspace)> People);

/// <summary>
/// Seeds a new, empty database with a demo: a plan catalogue around a 6,000-minute plan, one account
/// with four workspaces (a client, a department, a location, a project; distribution on, allocations
/// set, one resetting on the 20th), three months of call history, and owner / finance / staff sign-ins.
/// </summary>
public sealed class DemoSeeder(
    MinutePoolDbContext db,
    PlanService plans,
    AccountService accounts,
    WorkspaceService workspaces,
    UserManager<AppUser> users,
    TimeProvider clock)
{
    private const string Actor = "system:demo-seed";
    private const int HistoryDays = 92;

    public async Task<DemoSignIns?> SeedIfEmptyAsync(CancellationToken cancellationToken = default)
    {
        using var acrossAccounts = db.Tenant.AcrossAccounts();
        if (await db.Accounts.IgnoreQueryFilters().AnyAsync(cancellationToken))
        {
            return null;
        }

        foreach (var plan in Catalogue())
        {
            Ensure(await plans.CreateAsync(plan, cancellationToken));
        }

        var created = Ensure(await accounts.CreateAsync(new CreateAccountCommand("Acme Legal LLP", "team-6000", "America/New_York", 5), Actor, cancellationToken));
        Ensure(await accounts.SetDistributionAsync(true, Actor, cancellationToken));

        var seeded = new List<(Workspace Workspace, string Passcode)>();
        foreach (var (name, kind, allocation, resetDay) in new (string, WorkspaceKind, int?, int?)[]
                 {
                     ("Northwind Traders (client)", WorkspaceKind.Client, 1_500, null),
                     ("Sales", WorkspaceKind.Department, 2_000, 1),
                     ("Berlin Office", WorkspaceKind.Location, 1_000, 20),
                     ("Project Atlas", WorkspaceKind.Project, 800, null),
                 })
        {
            var credentials = Ensure(await workspaces.CreateAsync(
                new CreateWorkspaceCommand(name, kind, allocation, resetDay, Optional<int?>.Unset), Actor, cancellationToken));
            seeded.Add((credentials.Workspace, credentials.Passcode));
        }

        await SeedHistoryAsync(created.Account, seeded.Select(s => s.Workspace).ToList(), cancellationToken);

        var sales = seeded[1].Workspace;
        var people = new List<(AccountRole, string, string, string?)>();
        foreach (var (role, email, name, workspace) in new (AccountRole, string, string, Workspace?)[]
                 {
                     (AccountRole.Owner, "owner@demo.minutepool.test", "Olivia Owner", null),
                     (AccountRole.Finance, "finance@demo.minutepool.test", "Frank Finance", null),
                     (AccountRole.Staff, "staff@demo.minutepool.test", "Sam Staff", sales),
                 })
        {
            var password = PasswordGenerator.New();
            var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = name, CreatedAt = clock.GetUtcNow() };
            var result = await users.CreateAsync(user, password);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException("Demo user: " + string.Join("; ", result.Errors.Select(e => e.Description)));
            }

            db.Memberships.Add(new Membership { AccountId = created.Account.Id, UserId = user.Id, Role = role, WorkspaceId = workspace?.Id, CreatedAt = clock.GetUtcNow() });
            people.Add((role, email, password, workspace?.Name));
        }

        await db.SaveChangesAsync(cancellationToken);
        return new DemoSignIns(created.Account.Id, created.Account.Name, created.ApiKey, people);
    }

    public static IEnumerable<Plan> Catalogue() =>
    [
        new() { Code = "starter-2000", Name = "Starter", MinutesPerCycle = 2_000, PriceAmount = 149m, Currency = "USD", ConcurrentCallLimit = 5 },
        new() { Code = "team-6000", Name = "Team", MinutesPerCycle = 6_000, PriceAmount = 399m, Currency = "USD" },
        new() { Code = "business-15000", Name = "Business", MinutesPerCycle = 15_000, PriceAmount = 899m, Currency = "USD", BillingIncrementSeconds = 6 },
        new() { Code = "enterprise-50000", Name = "Enterprise", MinutesPerCycle = 50_000, PriceAmount = 2_499m, Currency = "USD", BillingIncrementSeconds = 6 },
    ];

    /// <summary>
    /// Three months of weekday office-hours calls: each workspace uses 55–105 % of its allocation per
    /// month (so some periods show overage), some calls are under the 30-second minimum, and client and
    /// project calls carry matter tags. Written straight to the tables with buckets computed alongside,
    /// since the API accepts late records only up to 35 days back.
    /// </summary>
    private async Task SeedHistoryAsync(Account account, IReadOnlyList<Workspace> seeded, CancellationToken cancellationToken)
    {
        var random = new Random(20261122);
        var now = clock.GetUtcNow();
        var zone = account.TimeZone;
        var calendar = account.CycleCalendar;
        var plan = DemoPlan;
        var today = calendar.LocalDateOf(now);
        var buckets = new Dictionary<(Guid, DateOnly, short), UsageBucket>();
        var tags = new[] { "Matter 2041", "Matter 2077", "Discovery", "Onboarding", "Quarterly review" };
        foreach (var workspace in seeded)
        {
            var dailySeconds = workspace.AllocationMinutes!.Value * 60.0 / 21.0;
            var utilisation = 0.8;
            for (var day = today.AddDays(-HistoryDays); day <= today; day = day.AddDays(1))
            {
                if (day.Day == 1)
                {
                    utilisation = 0.55 + (random.NextDouble() * 0.5);
                }

                if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
                {
                    continue;
                }

                var budget = dailySeconds * utilisation * (0.6 + (random.NextDouble() * 0.8));
                for (var used = 0.0; used < budget;)
                {
                    var localStart = day.ToDateTime(new TimeOnly(8, 0)).AddSeconds(random.Next(0, 10 * 3600));
                    var startedAt = zone.ToInstant(localStart);
                    var duration = random.NextDouble() < 0.08 ? random.Next(5, 31) : (int)(60 + (random.NextDouble() * random.NextDouble() * 2_400));
                    var endedAt = startedAt.AddSeconds(duration).AddMilliseconds(random.Next(0, 1000));
                    if (endedAt > now)
                    {
                        break;
                    }

                    var charge = CallCharging.Charge(startedAt, endedAt, plan);
                    var callId = $"demo-{workspace.UserId}-{startedAt.ToUnixTimeMilliseconds()}-{random.Next(1000, 9999)}";
                    db.Calls.Add(new Call
                    {
                        AccountId = account.Id,
                        CallId = callId,
                        WorkspaceId = workspace.Id,
                        StartedAt = startedAt,
                        LocalDate = day,
                        EndedAt = endedAt,
                        DurationSeconds = charge.DurationSeconds,
                        BillableSeconds = charge.BillableSeconds,
                        ProjectTag = workspace.Kind is WorkspaceKind.Client or WorkspaceKind.Project ? tags[random.Next(tags.Length)] : null,
                        Source = CallSource.Imported,
                        RecordedAt = endedAt,
                    });
                    var key = (workspace.Id, day, UsageBucket.SlotFor(callId));
                    if (!buckets.TryGetValue(key, out var bucket))
                    {
                        bucket = new UsageBucket { AccountId = account.Id, WorkspaceId = workspace.Id, LocalDate = day, Slot = key.Item3 };
                        buckets[key] = bucket;
                    }

                    bucket.BilledSeconds += charge.BillableSeconds;
                    bucket.Calls++;
                    used += charge.BillableSeconds;
                }
            }
        }

        db.UsageBuckets.AddRange(buckets.Values);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    private static Plan DemoPlan => Catalogue().Single(p => p.Code == "team-6000");

    private static T Ensure<T>(Result<T> result) =>
        result.IsSuccess ? result.Value : throw new InvalidOperationException($"Demo seed failed: {result.Error.Code} {result.Error.Message}");
}
