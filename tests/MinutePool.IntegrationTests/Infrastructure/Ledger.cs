using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Data.Accounts;
using MinutePool.Data.Calls;
using MinutePool.Data.Workspaces;

namespace MinutePool.IntegrationTests.Infrastructure;

/// <summary>One service call per scope, as one request of the app would make it.</summary>
public static class Ledger
{
    public static async Task<Result<StartedCall>> StartAsync(this TestDatabase db, Guid accountId, string callId, Guid workspaceId, DateTimeOffset? startedAt = null)
    {
        await using var scope = db.Scope(accountId);
        return await scope.ServiceProvider.GetRequiredService<CallLedger>().StartAsync(new StartCallCommand(callId, workspaceId, null, null, startedAt, null));
    }

    public static async Task<Result<StartedCall>> StartWithPasscodeAsync(this TestDatabase db, Guid accountId, string callId, string userId, string passcode)
    {
        await using var scope = db.Scope(accountId);
        return await scope.ServiceProvider.GetRequiredService<CallLedger>().StartAsync(new StartCallCommand(callId, null, userId, passcode, null, null));
    }

    public static async Task<Result<EndedCall>> EndAsync(this TestDatabase db, Guid accountId, string callId, DateTimeOffset? endedAt = null)
    {
        await using var scope = db.Scope(accountId);
        return await scope.ServiceProvider.GetRequiredService<CallLedger>().EndAsync(callId, endedAt);
    }

    public static async Task<ImportResult> ImportAsync(this TestDatabase db, Guid accountId, params ImportRecord[] records)
    {
        await using var scope = db.Scope(accountId);
        return Seed.Ok(await scope.ServiceProvider.GetRequiredService<CallLedger>().ImportAsync(records));
    }

    /// <summary>Imports one finished call of <paramref name="seconds"/> seconds.</summary>
    public static Task<ImportResult> CallAsync(this TestDatabase db, Guid accountId, Guid workspaceId, string callId, DateTimeOffset startedAt, int seconds) =>
        db.ImportAsync(accountId, new ImportRecord(callId, workspaceId, startedAt, startedAt.AddSeconds(seconds), null));

    public static async Task<WorkspaceView> WorkspaceAsync(this TestDatabase db, Guid accountId, Guid workspaceId, DateTimeOffset? at = null)
    {
        await using var scope = db.Scope(accountId);
        var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
        if (at is null)
        {
            return (await workspaces.GetAsync(workspaceId))!;
        }

        var db2 = scope.ServiceProvider.GetRequiredService<MinutePool.Data.MinutePoolDbContext>();
        var state = (await AccountStateReader.LoadAsync(db2))!;
        var workspace = db2.Workspaces.Single(w => w.Id == workspaceId);
        return await workspaces.ViewAsync(state, workspace, at.Value);
    }

    public static ScopeBalance Scope(this WorkspaceView view, BalanceScope scope) => view.Scopes.Single(s => s.Scope == scope);

    public static async Task<AccountSummary> SummaryAsync(this TestDatabase db, Guid accountId)
    {
        await using var scope = db.Scope(accountId);
        return (await scope.ServiceProvider.GetRequiredService<AccountService>().SummaryAsync())!;
    }
}
