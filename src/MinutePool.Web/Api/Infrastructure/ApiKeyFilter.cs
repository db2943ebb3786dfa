using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Common;
using MinutePool.Data;
using MinutePool.Data.Accounts;
using MinutePool.Data.Calls;
using MinutePool.Data.Infrastructure;
using MinutePool.Data.Tenancy;
using MinutePool.Data.Workspaces;

namespace MinutePool.Web.Api.Infrastructure;

/// <summary>
/// Account endpoints: <c>Authorization: Bearer mp_{prefix}_{secret}</c>. The key is found by its public
/// prefix, its secret checked against the stored SHA-256, and the request's tenant set to its account,
/// so every query below sees only that account. Last use is recorded at most once a minute.
/// </summary>
public sealed class ApiKeyFilter(MinutePoolDbContext db, TenantContext tenant, TimeProvider clock) : IEndpointFilter
{
    public const string ApiKeyItem = "minutepool.api-key";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!ApiKey.TryParse(BearerToken(http.Request), out var prefix, out var secret))
        {
            return Unauthorized();
        }

        var preloads = http.GetEndpoint()?.Metadata.GetMetadata<PreloadsAccountState>();
        var callId = preloads?.CallOf?.Invoke(context);
        var workspaceId = preloads?.WorkspaceOf?.Invoke(context);
        if (preloads is { WritesCall: true } && Recall(prefix, secret, callId, workspaceId) is { } recalled)
        {
            var check = new WriteTimeCheck(prefix, recalled.State!.Account.Version);
            Preload(http, recalled);
            tenant.CheckRecalledAtWrite(check);
            var answer = await next(context);
            if (check.Confirmed)
            {
                return answer;
            }

            // Nothing was written: the call had ended or its id was taken, the key, the account's state, the call or the
            // workspace changed, the workspace had no time left, or the request was refused. Handle it again from what the
            // database holds, and read this call or workspace there until it is remembered afresh.
            tenant.DiscardRecalled();
            if (callId is not null)
            {
                CallsStartedHere.Forget(recalled.Key!.AccountId, callId);
            }
            else
            {
                WorkspacesUsedHere.Forget(recalled.Workspace!.Id);
            }
        }

        var keyed = preloads is not null
            ? await AccountStateReader.LoadWithKeyAsync(db, prefix, workspaceId, callId, http.RequestAborted)
            : new AccountStateReader.KeyedState(await KeyByPrefix.For(db)(db, prefix, http.RequestAborted), null, null, null);
        if (keyed.Key is not { } key || key.RevokedAt is not null || !key.Matches(secret))
        {
            if (keyed.Key is not { RevokedAt: null })
            {
                KeysUsedHere.Forget(prefix); // gone or revoked: a recalled end would only be refused at its write
            }

            return Unauthorized();
        }

        Preload(http, keyed);
        var now = clock.GetUtcNow();
        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedResolution)
        {
            await db.ApiKeys.Where(k => k.Prefix == prefix).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), http.RequestAborted);
            key.LastUsedAt = now; // read without tracking for this request alone: from here on only remembered, never changed
        }

        // Only when this process does not know the key as it is now: every start and balance read passes here, and
        // replacing an equal entry would write to the shared map each time (ApiKey has no value equality).
        if (db.IsPostgres && KeysUsedHere.Find(prefix)?.LastUsedAt != key.LastUsedAt)
        {
            KeysUsedHere.Remember(prefix, key);
        }

        if (db.IsPostgres && keyed.Workspace is { } workspace)
        {
            WorkspacesUsedHere.Remember(workspace);
        }

        return await next(context);
    }

    private void Preload(HttpContext http, AccountStateReader.KeyedState keyed)
    {
        tenant.Set(keyed.Key!.AccountId);
        if (keyed.State is not null)
        {
            tenant.Preload(keyed.State);
        }

        tenant.Preload(keyed.Workspace, keyed.Call, keyed.Sums);
        http.Items[ApiKeyItem] = keyed.Key;
    }

    /// <summary>
    /// A call end whose key, account state and call this process remembers (<see cref="CallsStartedHere"/>), or a call
    /// start whose key, account state and workspace it remembers (<see cref="WorkspacesUsedHere"/>: of the key's account,
    /// not archived, no concurrent-call limit), without a round trip: only when the secret matches the remembered key's
    /// hash and its last use need not be recorded. The request's write checks the rest (<see cref="WriteTimeCheck"/>).
    /// </summary>
    private AccountStateReader.KeyedState? Recall(string prefix, string secret, string? callId, Guid? workspaceId)
    {
        if (!db.IsPostgres || KeysUsedHere.Find(prefix) is not { } key || !key.Matches(secret)
            || key.LastUsedAt is not { } lastUsed || clock.GetUtcNow() - lastUsed > LastUsedResolution
            || AccountStateReader.Remembered(key.AccountId) is not { } state)
        {
            return null;
        }

        if (callId is not null)
        {
            return CallsStartedHere.Find(key.AccountId, callId) is { } call ? new AccountStateReader.KeyedState(key, state, null, call) : null;
        }

        return workspaceId is { } id && WorkspacesUsedHere.Find(id) is { ConcurrentCallLimit: null, ArchivedAt: null } workspace && workspace.AccountId == key.AccountId
            ? new AccountStateReader.KeyedState(key, state, workspace, null)
            : null;
    }

    /// <summary>
    /// Keys that authenticated a request of this process, as read then (with their last use as recorded since): a key's
    /// secret hash and account never change, and whether it is still valid is checked by the write of a recalled call start or end.
    /// </summary>
    private static readonly ProcessCache<string, ApiKey> KeysUsedHere = new(CallsStartedHere.Capacity);

    // Compiled (see CompiledPerModel for why): every API request runs this lookup first.
    private static readonly CompiledPerModel<Func<MinutePoolDbContext, string, CancellationToken, Task<ApiKey?>>> KeyByPrefix = new(() => EF.CompileAsyncQuery(
        (MinutePoolDbContext db, string prefix, CancellationToken _) => db.ApiKeys.AsNoTracking().SingleOrDefault(k => k.Prefix == prefix)));

    /// <summary>
    /// Endpoint metadata: the handler loads the account's state first thing (call start, call end, balance read), so
    /// the filter reads it in the same query as the key; with <paramref name="WorkspaceOf"/> or <paramref name="CallOf"/>,
    /// also the workspace or call the request names (from its bound arguments; null for none), and that workspace's
    /// balance sums when its dates are known (<see cref="MinutePool.Data.Billing.BalanceSumHints"/>). One round trip
    /// less per call start, call end and balance read, and with the sums another for call starts and balance reads.
    /// <para>
    /// With <paramref name="WritesCall"/> (call start, call end), the request's one write can check what the filter
    /// recalls from this process's memory instead of reading it (<see cref="Recall"/>), which saves the key's round trip.
    /// </para>
    /// </summary>
    public sealed record PreloadsAccountState(
        Func<EndpointFilterInvocationContext, Guid?>? WorkspaceOf = null,
        Func<EndpointFilterInvocationContext, string?>? CallOf = null,
        bool WritesCall = false);

    /// <summary>The audit actor of the request: <c>api-key:{prefix}</c>.</summary>
    public static string Actor(HttpContext http) => http.Items[ApiKeyItem] is ApiKey key ? $"api-key:{key.Prefix}" : "api-key";

    public static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    private static IResult Unauthorized() =>
        ApiProblems.Result(new DomainError(ErrorCodes.Unauthorized, "Send a valid API key as 'Authorization: Bearer <key>'."));
}
