using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;
using MinutePool.Core.Accounts;
using MinutePool.Core.Common;

namespace MinutePool.Web.Api.Infrastructure;

/// <summary>The API's rate and size limits (configuration section <c>MinutePool:Api</c>).</summary>
public sealed class ApiLimitOptions
{
    public const string Section = "MinutePool:Api";

    /// <summary>Sustained requests per second per API key (token bucket).</summary>
    public int RequestsPerSecond { get; set; } = 2_000;

    /// <summary>Requests a key may send at once above the sustained rate.</summary>
    public int Burst { get; set; } = 4_000;

    /// <summary>
    /// API requests processed at once across all keys; the rest wait in arrival order. On 2 cores, letting every
    /// request in (32 clients, up to 100 pooled connections) made each one dearer (its own connection, statement
    /// preparations, garbage) without adding database throughput; the benchmark with the gate against without it:
    /// spread call ends at 32 clients 1,256/s against 1,033/s, fixed-rate start p99 469 ms against 1.2 s (README).
    /// Default: 4 per processor of the app's machine. A call start or end lets go of its turn once its write waits for
    /// a group commit (<see cref="ApiGate"/>).
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 4 * Environment.ProcessorCount;

    /// <summary>Requests that may wait for a turn; beyond them the API answers 429 <c>rate_limited</c>.</summary>
    public int MaxQueuedRequests { get; set; } = 10_000;

    /// <summary>Largest request body; a batch of 1,000 usage records is about 250 KB.</summary>
    public long MaxBodyBytes { get; set; } = 2 * 1024 * 1024;
}

public static class ApiLimits
{
    public const string PerKeyPolicy = "per-api-key";

    public static IServiceCollection AddApiLimits(this IServiceCollection services, ApiLimitOptions options)
    {
        services.AddSingleton(_ => new ApiGate(options)); // a factory, so the container disposes it
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PerKeyPolicy, http => RateLimitPartition.GetTokenBucketLimiter(
                PartitionKey(http),
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                await RefuseAsync(context.HttpContext, retryAfter, $"Too many requests for this API key; retry after {retryAfter} s.");
            };
        });
        return services;
    }

    /// <summary>The gate in front of every API request (<see cref="ApiGate"/>); before the per-key buckets, as the global limiter was.</summary>
    public static IApplicationBuilder UseApiGate(this IApplicationBuilder app)
    {
        var gate = app.ApplicationServices.GetRequiredService<ApiGate>();
        return app.UseWhen(ApiPaths.IsApi, api => api.Use(gate.InvokeAsync));
    }

    /// <summary>429 <c>rate_limited</c> with <c>Retry-After</c>.</summary>
    public static Task RefuseAsync(HttpContext http, int retryAfterSeconds, string message)
    {
        http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return ApiProblems.Result(new DomainError(ErrorCodes.RateLimited, message).With("retryAfterSeconds", retryAfterSeconds)).ExecuteAsync(http);
    }

    /// <summary>Refuses bodies over the limit with 413 before anything reads them.</summary>
    public static IApplicationBuilder UseApiBodyLimit(this IApplicationBuilder app, ApiLimitOptions options) => app.Use(async (http, next) =>
    {
        if (http.Request.ContentLength > options.MaxBodyBytes)
        {
            await ApiProblems.Result(new DomainError(ErrorCodes.PayloadTooLarge, $"The request body is over {options.MaxBodyBytes:N0} bytes.")).ExecuteAsync(http);
            return;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = options.MaxBodyBytes;
        }

        await next(http);
    });

    /// <summary>The API key's public prefix (no database lookup); requests without one share a partition per address.</summary>
    private static string PartitionKey(HttpContext http) =>
        ApiKey.TryParse(ApiKeyFilter.BearerToken(http.Request), out var prefix, out _)
            ? "key:" + prefix
            : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
