using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Npgsql;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Reliability;

/// <summary>
/// The real app as its own process (the built MinutePool.Web.dll) on PostgreSQL: killed with SIGKILL in the
/// middle of batch imports, each batch is stored whole or not at all and the buckets equal the calls; stopped
/// with SIGTERM while a request is still arriving, it finishes that request before it exits.
/// </summary>
public sealed class ProcessKillTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const string OperatorToken = "kill-test-operator";
    private const int BatchSize = 1_000;

    private readonly PostgresDatabase _database = new() { Migrate = false };

    /// <summary>What the app processes printed, shown with a failure.</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _appLog = new();

    public Task InitializeAsync() => _database.InitializeAsync();

    public Task DisposeAsync() => _database.DisposeAsync();

    [Fact]
    public async Task A_killed_app_leaves_each_batch_whole_or_absent_and_a_stopped_app_finishes_its_request()
    {
        var port = FreePort();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var app = await StartAsync(port, http);
        var (apiKey, workspaceId) = await ProvisionAsync(http);
        var started = DateTimeOffset.UtcNow.AddDays(-1);
        var outcomes = new List<string>();
        for (var round = 0; round < 4; round++)
        {
            using var request = ImportRequest(apiKey, workspaceId, $"k{round}", started.AddMinutes(round * 30));
            var sending = http.SendAsync(request);
            await Task.Delay(5 + (round * 15));
            app.Kill(entireProcessTree: true); // SIGKILL: no shutdown, no flushing
            await app.WaitForExitAsync();
            var answer = await Answered(sending);
            var stored = await StoredCallsAsync($"k{round}-");
            (answer is null or HttpStatusCode.OK).Should().BeTrue("the batch is valid, so it is either answered 200 or cut off (round {0}: {1})", round, answer);
            stored.Should().BeOneOf([0, BatchSize], "a batch is one transaction (round {0}, the client saw {1})", round, answer);
            if (answer == HttpStatusCode.OK)
            {
                stored.Should().Be(BatchSize, "an acknowledged batch is committed");
            }

            outcomes.Add($"killed after {5 + (round * 15)} ms: client saw {answer}, stored {stored}");
            app = await StartAsync(port, http);
        }

        await BucketsEqualCallsAsync();

        // SIGTERM while a batch is being written (held at its bucket upsert by a table lock): the app finishes
        // that request, answers it, and only then exits.
        await using (var blocker = new NpgsqlConnection(_database.ConnectionString))
        {
            await blocker.OpenAsync();
            await using var hold = await blocker.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand("LOCK TABLE usage_buckets IN SHARE MODE", blocker, hold))
            {
                await lockTable.ExecuteNonQueryAsync();
            }

            using var slow = ImportRequest(apiKey, workspaceId, "term", started.AddHours(5));
            var sending = http.SendAsync(slow);
            await WaitForLockWaitAsync();
            using (var term = Process.Start("kill", ["-TERM", app.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await Task.Delay(1_000);
            app.HasExited.Should().BeFalse("the app waits for its in-flight request");
            await hold.CommitAsync();
            using var response = await sending;
            response.StatusCode.Should().Be(HttpStatusCode.OK, "an in-flight request is finished during a graceful shutdown: {0}\n{1}", await response.Content.ReadAsStringAsync(), string.Join("\n", _appLog.TakeLast(40)));
            using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await app.WaitForExitAsync(exit.Token);
        }

        (await StoredCallsAsync("term-")).Should().Be(BatchSize);
        await BucketsEqualCallsAsync();
        output.WriteLine(string.Join(Environment.NewLine, outcomes));
    }

    private static HttpRequestMessage ImportRequest(string apiKey, Guid workspaceId, string prefix, DateTimeOffset from)
    {
        var records = Enumerable.Range(0, BatchSize).Select(i => new { callId = $"{prefix}-{i}", workspaceId, startedAt = from.AddSeconds(i), endedAt = from.AddSeconds(i + 40 + (i % 90)) });
        var json = JsonSerializer.SerializeToUtf8Bytes(new { records }, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/usage-records") { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return request;
    }

    private static async Task<HttpStatusCode?> Answered(Task<HttpResponseMessage> sending)
    {
        try
        {
            using var response = await sending;
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null; // the connection died with the process
        }
    }

    private async Task<Process> StartAsync(int port, HttpClient http)
    {
        var folder = AppContext.BaseDirectory;
        var start = new ProcessStartInfo("dotnet", [Path.Combine(folder, "MinutePool.Web.dll"), "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["MinutePool__Database__Provider"] = "Postgres";
        start.Environment["ConnectionStrings__MinutePool"] = _database.ConnectionString;
        start.Environment["MinutePool__Demo__SeedOnEmptyDatabase"] = "false";
        start.Environment["MinutePool__Jobs__Enabled"] = "false";
        start.Environment["MinutePool__OperatorToken"] = OperatorToken;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, line) => _appLog.Enqueue(line.Data ?? "");
        process.ErrorDataReceived += (_, line) => _appLog.Enqueue(line.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            process.HasExited.Should().BeFalse("the app starts (exit code {0})", process.HasExited ? process.ExitCode : 0);
            DateTime.UtcNow.Should().BeBefore(deadline, "the app becomes ready");
            try
            {
                using var ready = await http.GetAsync("/health/ready");
                if (ready.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }
    }

    private static async Task<(string ApiKey, Guid WorkspaceId)> ProvisionAsync(HttpClient http)
    {
        using var plan = new HttpRequestMessage(HttpMethod.Post, "/api/v1/plans")
        {
            Content = JsonContent.Create(new { code = "big", name = "Big", minutesPerCycle = 1_000_000, price = new { amount = 10m, currency = "USD" } }),
        };
        plan.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
        await (await http.SendAsync(plan)).ShouldBeAsync(201);
        using var account = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts")
        {
            Content = JsonContent.Create(new { name = "Killed", planCode = "big", timeZone = "UTC", billingDay = 1, owner = new { email = "killed@example.com", password = "Killed-pass-1" } }),
        };
        account.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OperatorToken);
        var apiKey = (await (await http.SendAsync(account)).ShouldBeAsync(201)).GetProperty("apiKey").GetString()!;
        using var workspace = new HttpRequestMessage(HttpMethod.Post, "/api/v1/workspaces") { Content = JsonContent.Create(new { name = "Desk" }) };
        workspace.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return (apiKey, (await (await http.SendAsync(workspace)).ShouldBeAsync(201)).GetProperty("id").GetGuid());
    }

    private async Task<long> StoredCallsAsync(string prefix)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM calls WHERE call_id LIKE @prefix", connection);
        command.Parameters.AddWithValue("prefix", prefix + "%");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task BucketsEqualCallsAsync()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT coalesce(sum(billable_seconds), 0) FROM calls), (SELECT coalesce(sum(billed_seconds), 0) FROM usage_buckets), (SELECT count(*) FROM calls), (SELECT coalesce(sum(calls), 0) FROM usage_buckets)",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        reader.GetDecimal(1).Should().Be(reader.GetDecimal(0), "the buckets hold exactly the stored calls' seconds");
        reader.GetDecimal(3).Should().Be(reader.GetInt64(2), "and exactly their number");
    }

    /// <summary>Waits until a statement of the app waits for the test's table lock.</summary>
    private async Task WaitForLockWaitAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        await using var connection = new NpgsqlConnection(PostgresDatabase.ServerConnectionString);
        await connection.OpenAsync();
        var database = new NpgsqlConnectionStringBuilder(_database.ConnectionString).Database;
        while (true)
        {
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db AND wait_event_type = 'Lock'", connection);
            command.Parameters.AddWithValue("db", database!);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, "the import reaches the locked table");
            await Task.Delay(50);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
