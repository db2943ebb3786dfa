using System.Net.Http.Json;
using System.Text;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Api;

/// <summary>Rate limiting per API key and request size limits.</summary>
public sealed class ApiLimitsTests : IAsyncLifetime
{
    private readonly ApiHost _host = new()
    {
        Settings =
        {
            ["MinutePool:Api:RequestsPerSecond"] = "1",
            ["MinutePool:Api:Burst"] = "5",
            ["MinutePool:Api:MaxBodyBytes"] = "4096",
        },
    };

    public async Task InitializeAsync()
    {
        await _host.InitializeAsync();
        await _host.PlanAsync("p100", 100);
    }

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task A_key_over_its_rate_gets_429_rate_limited_with_retry_after_while_another_key_is_unaffected()
    {
        var noisy = await _host.AccountAsync("p100");
        var quiet = await _host.AccountAsync("p100");

        var statuses = new List<int>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8 && limited is null; i++)
        {
            var response = await noisy.Http.GetAsync("/api/v1/account");
            statuses.Add((int)response.StatusCode);
            limited = (int)response.StatusCode == 429 ? response : null;
        }

        limited.Should().NotBeNull("a burst of 5 at 1 request/s must run out within 8 requests; got {0}", string.Join(",", statuses));
        await limited!.ShouldBeProblemAsync(429, "rate_limited");
        limited!.Headers.RetryAfter!.Delta.Should().BeGreaterThan(TimeSpan.Zero);
        await (await quiet.Http.GetAsync("/api/v1/account")).ShouldBeAsync(200);
    }

    [Fact]
    public async Task A_body_over_the_size_limit_is_refused_with_413_and_changes_nothing()
    {
        var account = await _host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var records = Enumerable.Range(0, 100).Select(i => new { callId = $"big-{i}", workspaceId = workspace, startedAt = _host.Clock.Now.AddHours(-1), endedAt = _host.Clock.Now.AddMinutes(-59) });

        await (await account.Http.PostAsJsonAsync("/api/v1/usage-records", new { records })).ShouldBeProblemAsync(413, "payload_too_large");

        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(0);
    }

    [Fact]
    public async Task A_chunked_body_over_the_size_limit_is_refused_too()
    {
        var account = await _host.AccountAsync("p100");
        var content = new StringContent("{\"name\":\"" + new string('x', 10_000) + "\"}", Encoding.UTF8, "application/json");
        content.Headers.ContentLength = null;

        var response = await account.Http.PostAsync("/api/v1/workspaces", content);

        ((int)response.StatusCode).Should().BeOneOf(413, 400);
        (await account.GetAsync("/api/v1/workspaces")).GetArrayLength().Should().Be(0);
    }
}

/// <summary>The OpenAPI document integrators build against.</summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private readonly ApiHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task The_document_at_openapi_v1_json_describes_every_endpoint_of_the_contract()
    {
        using var client = _host.Client();
        var document = await (await client.GetAsync("/openapi/v1.json")).ShouldBeAsync(200);

        var paths = document.GetProperty("paths");
        var expected = new Dictionary<string, string[]>
        {
            ["/api/v1/plans"] = ["post", "get"],
            ["/api/v1/accounts"] = ["post"],
            ["/api/v1/account"] = ["get"],
            ["/api/v1/account/distribution"] = ["put"],
            ["/api/v1/account/plan-change"] = ["post"],
            ["/api/v1/workspaces"] = ["post", "get"],
            ["/api/v1/workspaces/{id}"] = ["get", "patch"],
            ["/api/v1/workspaces/{id}/archive"] = ["post"],
            ["/api/v1/workspaces/{id}/passcode"] = ["post"],
            ["/api/v1/workspaces/{id}/balance"] = ["get"],
            ["/api/v1/calls"] = ["post", "get"],
            ["/api/v1/calls/{callId}/heartbeat"] = ["post"],
            ["/api/v1/calls/{callId}/end"] = ["post"],
            ["/api/v1/usage-records"] = ["post"],
        };
        foreach (var (path, methods) in expected)
        {
            paths.TryGetProperty(path, out var item).Should().BeTrue("the document must describe {0}", path);
            foreach (var method in methods)
            {
                item.TryGetProperty(method, out var operation).Should().BeTrue("{0} {1} must be described", method, path);
                operation.GetProperty("responses").EnumerateObject().Should().NotBeEmpty();
            }
        }

        var schemas = document.GetProperty("components").GetProperty("schemas");
        schemas.GetProperty("WorkspaceDto").GetProperty("properties").TryGetProperty("remainingSeconds", out _).Should().BeTrue();
        schemas.GetProperty("StartCallRequest").GetProperty("properties").TryGetProperty("callId", out _).Should().BeTrue();
    }
}

/// <summary>The API's concurrency gate: requests beyond its limit wait their turn; only a full queue refuses.</summary>
public sealed class ApiConcurrencyGateTests
{
    [Fact]
    public Task A_burst_far_beyond_the_gate_is_queued_not_refused_and_charged_exactly() => WithHostAsync(permits: 1, queue: 1_000, async host =>
    {
        var account = await host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();
        var start = host.Clock.Now.AddMinutes(-10);

        var starts = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => account.StartAsync($"gate-{i}", workspace, start)));
        starts.Select(r => (int)r.StatusCode).Should().AllBeEquivalentTo(201);
        var ends = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => account.EndAsync($"gate-{i}", start.AddSeconds(100 + i))));
        ends.Select(r => (int)r.StatusCode).Should().AllBeEquivalentTo(200);

        var used = (await account.GetAsync($"/api/v1/workspaces/{workspace}")).GetProperty("usedSeconds").GetInt64();
        used.Should().Be(Enumerable.Range(0, 24).Sum(i => 100L + i));
    });

    [Fact]
    public Task With_the_gate_busy_and_no_queue_a_request_gets_429_rate_limited_and_the_held_request_still_completes() => WithHostAsync(permits: 1, queue: 0, async host =>
    {
        var account = await host.AccountAsync("p100");

        // A call start on a workspace with a concurrent-call limit takes the workspace's row lock; the test holds that
        // lock, so the start waits inside the API, holding the only permit, until the test lets go.
        var workspace = (await account.CreateWorkspaceAsync(concurrentCallLimit: 5)).Id();
        await using var locker = new Npgsql.NpgsqlConnection(host.Database.ConnectionString);
        await locker.OpenAsync();
        await using var hold = await locker.BeginTransactionAsync();
        await using (var lockRow = new Npgsql.NpgsqlCommand("SELECT 1 FROM workspaces WHERE id = @id FOR UPDATE", locker, hold))
        {
            lockRow.Parameters.AddWithValue("id", workspace);
            await lockRow.ExecuteScalarAsync();
        }

        var held = account.StartAsync("held", workspace);

        HttpResponseMessage? refused = null;
        for (var attempt = 0; attempt < 100 && refused is null; attempt++)
        {
            // The gate lets a request's permit go after the client has its response, so the start can arrive while the
            // request before it still holds the only permit; refused there, it never reached the ledger: send it again.
            if (held.IsCompleted && (int)(await held).StatusCode == 429)
            {
                held = account.StartAsync("held", workspace);
            }

            var response = await account.Http.GetAsync("/api/v1/account");
            refused = (int)response.StatusCode == 429 ? response : null;
            if (refused is null)
            {
                await Task.Delay(50); // the held request has not reached the gate yet
            }
        }

        refused.Should().NotBeNull("while the only permit is held, a second request must be refused");
        var problem = await refused!.ShouldBeProblemAsync(429, "rate_limited");
        problem.GetProperty("detail").GetString().Should().Contain("at capacity");
        refused!.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(1));

        await hold.RollbackAsync();
        await (await held).ShouldBeAsync(201);
        await (await account.Http.GetAsync("/api/v1/account")).ShouldBeAsync(200);
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(1);
    });

    [Fact]
    public Task A_call_start_waiting_for_its_group_commit_gives_its_turn_at_the_gate_to_the_next_request() => WithHostAsync(permits: 1, queue: 0, async host =>
    {
        var account = await host.AccountAsync("p100");
        var workspace = (await account.CreateWorkspaceAsync()).Id();

        // The test holds a lock on calls that inserts wait for (reads do not), so the start's write waits in its batch.
        Task<HttpResponseMessage> held;
        await using (await HeldLock.TakeAsync(host.Database.ConnectionString, "LOCK TABLE calls IN SHARE MODE"))
        {
            held = account.StartAsync("queued", workspace);
            const string Waiting = "SELECT count(*) AS \"Value\" FROM pg_locks WHERE relation = 'calls'::regclass AND NOT granted";
            for (var attempt = 0; attempt < 200 && await host.Database.ScalarAsync<long>(Waiting) == 0; attempt++)
            {
                await Task.Delay(50);
            }

            (await host.Database.ScalarAsync<long>(Waiting)).Should().Be(1, "the start's insert waits for the test's lock");

            // The only turn is free while the start waits for its commit: the next request runs instead of being refused.
            await (await account.Http.GetAsync("/api/v1/account")).ShouldBeAsync(200);
            held.IsCompleted.Should().BeFalse();
        }

        await (await held).ShouldBeAsync(201);
        (await account.GetAsync("/api/v1/calls")).GetProperty("items").GetArrayLength().Should().Be(1);
    });

    private static async Task WithHostAsync(int permits, int queue, Func<ApiHost, Task> test)
    {
        var host = new ApiHost
        {
            Settings =
            {
                ["MinutePool:Api:MaxConcurrentRequests"] = permits.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["MinutePool:Api:MaxQueuedRequests"] = queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        await host.InitializeAsync();
        try
        {
            await host.PlanAsync("p100", 100);
            await test(host);
        }
        finally
        {
            await host.DisposeAsync();
        }
    }
}
