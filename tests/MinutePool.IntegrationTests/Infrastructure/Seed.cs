using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Common;
using MinutePool.Core.Plans;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Accounts;
using MinutePool.Data.Plans;
using MinutePool.Data.Workspaces;

namespace MinutePool.IntegrationTests.Infrastructure;

/// <summary>Creates plans, accounts and workspaces through the same services the app uses.</summary>
public static class Seed
{
    public const string Actor = "test";

    public static async Task<Plan> PlanAsync(this TestDatabase db, string code, int minutes, int increment = 1, int minimumSeconds = 30, int? concurrentCallLimit = null)
    {
        await using var scope = db.Scope();
        var plan = new Plan { Code = code, Name = code, MinutesPerCycle = minutes, PriceAmount = minutes / 10m, Currency = "USD", BillingIncrementSeconds = increment, MinimumBillableSeconds = minimumSeconds, ConcurrentCallLimit = concurrentCallLimit };
        return Ok(await scope.ServiceProvider.GetRequiredService<PlanService>().CreateAsync(plan));
    }

    public static async Task<Guid> AccountAsync(this TestDatabase db, string planCode, string timeZone = "UTC", int billingDay = 1, bool distribution = false, string name = "Test account")
    {
        Guid id;
        await using (var scope = db.Scope())
        {
            id = Ok(await scope.ServiceProvider.GetRequiredService<AccountService>().CreateAsync(new CreateAccountCommand(name, planCode, timeZone, billingDay), Actor)).Account.Id;
        }

        if (distribution)
        {
            await using var scope = db.Scope(id);
            Ok(await scope.ServiceProvider.GetRequiredService<AccountService>().SetDistributionAsync(true, Actor));
        }

        return id;
    }

    public static async Task<WorkspaceCredentials> WorkspaceAsync(this TestDatabase db, Guid accountId, string name = "Workspace", int? allocation = null, int? resetDay = null, int? concurrentCallLimit = null)
    {
        await using var scope = db.Scope(accountId);
        var limit = concurrentCallLimit is null ? Optional<int?>.Unset : Optional<int?>.Of(concurrentCallLimit);
        return Ok(await scope.ServiceProvider.GetRequiredService<WorkspaceService>()
            .CreateAsync(new CreateWorkspaceCommand(name, WorkspaceKind.Department, allocation, resetDay, limit), Actor));
    }

    public static T Ok<T>(Result<T> result)
    {
        result.Error.Should().BeNull("the operation was expected to succeed, but answered {0}", result.Error?.Code);
        return result.Value;
    }
}
