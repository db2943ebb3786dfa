using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MinutePool.Benchmarks;

/// <summary>One provisioned account: its id, API key and workspace ids.</summary>
public sealed record BenchAccount(Guid Id, string Name, string ApiKey, List<Guid> Workspaces);

/// <summary>Thin HTTP client over MinutePool's API v1 (loopback only).</summary>
public sealed class Api : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly HttpClient http;
    private readonly string operatorToken;

    public Api(Uri baseUrl, string operatorToken)
    {
        this.operatorToken = operatorToken;
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 512,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            UseCookies = false,
            AllowAutoRedirect = false,
        })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromSeconds(120),
        };
    }

    public void Dispose() => http.Dispose();

    /// <summary>Sends a request; returns the status and body. Transport failures become status 0.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? bearer, object? body, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body, Json), Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await http.SendAsync(request, ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
        }
        catch (HttpRequestException e)
        {
            return (0, e.Message);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            return (0, "timeout: " + e.Message);
        }
    }

    public async Task<JsonNode> ExpectAsync(HttpMethod method, string path, string? bearer, object? body, HttpStatusCode expected)
    {
        var (status, text) = await SendAsync(method, path, bearer, body);
        if (status != expected)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)status} (expected {(int)expected}): {Truncate(text)}");
        }

        return JsonNode.Parse(text.Length == 0 ? "{}" : text)!;
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            var (status, _) = await SendAsync(HttpMethod.Get, "/health/ready", null, null);
            if (status == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException("MinutePool did not answer /health/ready in time.");
    }

    public async Task EnsurePlanAsync(string code)
    {
        var (status, text) = await SendAsync(HttpMethod.Post, "/api/v1/plans", operatorToken, new
        {
            code,
            name = "Benchmark plan",
            minutesPerCycle = 100_000_000,
            price = new { amount = 1000.00m, currency = "USD" },
            billingIncrementSeconds = 1,
            minimumBillableSeconds = 30,
        });
        if (status is not HttpStatusCode.Created and not HttpStatusCode.Conflict)
        {
            throw new InvalidOperationException($"Creating the plan answered {(int)status}: {Truncate(text)}");
        }
    }

    /// <summary>
    /// An account with <paramref name="workspaces"/> workspaces; <paramref name="distributed"/>: minute distribution on and
    /// every other workspace holding an allocation (1,000,000 minutes), the rest drawing on the unallocated pool.
    /// </summary>
    public async Task<BenchAccount> CreateAccountAsync(string name, string planCode, int billingDay, int workspaces, int parallel, bool distributed = false)
    {
        var created = await ExpectAsync(HttpMethod.Post, "/api/v1/accounts", operatorToken, new
        {
            name,
            planCode,
            timeZone = "UTC",
            billingDay,
            owner = new { email = $"{Guid.NewGuid():N}@bench.invalid", password = "Bench-Password-1!" + Guid.NewGuid().ToString("N")[..8] },
        }, HttpStatusCode.Created);
        var account = new BenchAccount(Guid.Parse((string)created["id"]!), name, (string)created["apiKey"]!, []);
        if (distributed)
        {
            await ExpectAsync(HttpMethod.Put, "/api/v1/account/distribution", account.ApiKey, new { enabled = true }, HttpStatusCode.OK);
        }

        var ids = new Guid[workspaces];
        await Parallel.ForAsync(0, workspaces, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, _) =>
        {
            int? allocationMinutes = distributed && i % 2 == 0 ? 1_000_000 : null;
            var ws = await ExpectAsync(HttpMethod.Post, "/api/v1/workspaces", account.ApiKey, new { name = $"ws-{i:D5}", kind = "client", allocationMinutes }, HttpStatusCode.Created);
            ids[i] = Guid.Parse((string)ws["id"]!);
        });
        account.Workspaces.AddRange(ids);
        return account;
    }

    public static string Truncate(string text) => text.Length <= 400 ? text : text[..400] + "…";
}
