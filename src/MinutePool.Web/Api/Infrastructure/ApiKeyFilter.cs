using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Common;
using MinutePool.Data;
using MinutePool.Data.Accounts;
using MinutePool.Data.Infrastructure;
using MinutePool.Data.Tenancy;

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

        var (key, state, workspace, call, sums) = http.GetEndpoint()?.Metadata.GetMetadata<PreloadsAccountState>() is { } preloads
            ? await AccountStateReader.LoadWithKeyAsync(db, prefix, preloads.WorkspaceOf?.Invoke(context), preloads.CallOf?.Invoke(context), http.RequestAborted)
            : new AccountStateReader.KeyedState(await KeyByPrefix.For(db)(db, prefix, http.RequestAborted), null, null, null);
        if (key is null || key.RevokedAt is not null || !key.Matches(secret))
        {
            return Unauthorized();
        }

        tenant.Set(key.AccountId);
        if (state is not null)
        {
            tenant.Preload(state);
        }

        tenant.Preload(workspace, call, sums);

        http.Items[ApiKeyItem] = key;
        var now = clock.GetUtcNow();
        if (key.LastUsedAt is null || now - key.LastUsedAt > LastUsedResolution)
        {
            await db.ApiKeys.Where(k => k.Prefix == prefix).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), http.RequestAborted);
        }

        return await next(context);
    }

    // Compiled (see CompiledPerModel for why): every API request runs this lookup first.
    private static readonly CompiledPerModel<Func<MinutePoolDbContext, string, CancellationToken, Task<ApiKey?>>> KeyByPrefix = new(() => EF.CompileAsyncQuery(
        (MinutePoolDbContext db, string prefix, CancellationToken _) => db.ApiKeys.AsNoTracking().SingleOrDefault(k => k.Prefix == prefix)));

    /// <summary>
    /// Endpoint metadata: the handler loads the account's state first thing (call start, call end, balance read), so
    /// the filter reads it in the same query as the key; with <paramref name="WorkspaceOf"/> or <paramref name="CallOf"/>,
    /// also the workspace or call the request names (from its bound arguments; null for none), and that workspace's
    /// balance sums when its dates are known (<see cref="MinutePool.Data.Billing.BalanceSumHints"/>). One round trip
    /// less per call start, call end and balance read, and with the sums another for call starts and balance reads.
    /// </summary>
    public sealed record PreloadsAccountState(
        Func<EndpointFilterInvocationContext, Guid?>? WorkspaceOf = null,
        Func<EndpointFilterInvocationContext, string?>? CallOf = null);

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
