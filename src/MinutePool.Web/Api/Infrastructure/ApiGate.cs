using System.Threading.RateLimiting;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Web.Api.Infrastructure;

/// <summary>
/// One gate for the whole API: at most <see cref="ApiLimitOptions.MaxConcurrentRequests"/> requests run at once, the
/// rest wait in arrival order (up to <see cref="ApiLimitOptions.MaxQueuedRequests"/>, then 429 <c>rate_limited</c>), so a
/// burst waits a few milliseconds instead of every request in it running slower.
/// <para>
/// A request lets go of its turn as soon as its write is queued for a group commit (<see cref="CommitWait"/>): from
/// there it waits for a batch, which needs no core and no connection of its own, and the turns go to requests that do.
/// That is why this is a middleware of its own rather than ASP.NET's global limiter, whose lease lasts until the response.
/// </para>
/// </summary>
public sealed class ApiGate : IDisposable
{
    private readonly ConcurrencyLimiterOptions _turns;
    private readonly ConcurrencyLimiter _limiter;

    public ApiGate(ApiLimitOptions options)
    {
        _turns = new ConcurrencyLimiterOptions
        {
            PermitLimit = Math.Max(1, options.MaxConcurrentRequests),
            QueueLimit = Math.Max(0, options.MaxQueuedRequests),
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        };
        _limiter = new ConcurrencyLimiter(_turns);
    }

    public async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        RateLimitLease lease;
        try
        {
            lease = await _limiter.AcquireAsync(1, http.RequestAborted);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return; // the client left while waiting for a turn
        }

        if (!lease.IsAcquired)
        {
            lease.Dispose();
            await ApiLimits.RefuseAsync(http, 1, $"The API is at capacity ({_turns.PermitLimit:N0} requests in progress, {_turns.QueueLimit:N0} waiting); retry after 1 s.");
            return;
        }

        // The turn goes back once: at the request's first wait for a batch, or when the request is done.
        var released = 0;
        void Release()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                lease.Dispose();
            }
        }

        http.RequestServices.GetService<CommitWait>()?.OnWait(Release);
        try
        {
            await next(http);
        }
        finally
        {
            Release();
        }
    }

    public void Dispose() => _limiter.Dispose();
}
