using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using MinutePool.Core.Common;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Reliability;

/// <summary>
/// Generated bad input against every endpoint that reads a body or a query: each field of a valid request
/// replaced by wrong types, huge and negative numbers, impossible dates, unknown zones, very long, non-ASCII,
/// SQL- and HTML-looking strings; fields left out and added; malformed, duplicated-key and oversized bodies.
/// Every answer is below 500 and every refusal is a problem document with a known code that changed nothing.
/// </summary>
public sealed class BadInputTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 15, 12, 0, 0, TimeSpan.Zero);

    private static readonly HashSet<string> KnownCodes = typeof(ErrorCodes).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();

    /// <summary>What a field may be replaced with: every JSON kind, the edges of numbers and dates, hostile text.</summary>
    private static readonly JsonNode?[] Values =
    [
        null, "", " ", "x", 0, -1, 1.5, -0.0001, 1e308, 2147483648, -2147483649, 9223372036854775807, true, false,
        new JsonArray(), new JsonObject(), new JsonArray(1, 2), new JsonObject { ["a"] = 1 },
        new string('x', 10_000), new string('é', 3_000), "Ünïcødé ✓ 中文 🙂", "'; DROP TABLE calls; --", "\" OR 1=1 --",
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\u0000", "\t\r\n", "../../etc/passwd",
        "0000-13-45T99:99:99Z", "2026-02-30T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "2026-11-15",
        "1700000000", "not-a-guid", Guid.Empty.ToString(), Guid.NewGuid().ToString(), "Mars/Olympus_Mons", "UTC+25",
        "-1", "1e3", "NaN", "Infinity", "null", "true", "2026-11-15T12:00:00+14:00", "P1D", -9999999999, "  padded  ",
    ];

    private static readonly string[] QueryValues =
    [
        "", "x", "-1", "0", "1e3", "99999999999999999999", "2026-02-30", "2026-13-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "0001-01-01", "not-a-guid", Guid.Empty.ToString(), "'; DROP TABLE calls; --", "<script>", "%00", new string('x', 3_000),
        "Ünïcødé", "2026-11-15T12:00:00+25:00", "true", "[]",
    ];

    private readonly ApiHost _host = new();
    private AccountClient _account = null!;
    private Guid _workspace;
    private int _refused;

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Thousands_of_bad_inputs_answer_4xx_with_a_code_never_500_and_refusals_change_nothing()
    {
        _host.Clock.Now = Now;
        await _host.PlanAsync("p100", 100);
        await _host.PlanAsync("p200", 200);
        _account = await _host.AccountAsync("p100", distribution: true);
        _workspace = (await _account.CreateWorkspaceAsync("Desk", allocationMinutes: 10)).GetProperty("id").GetGuid();
        await (await _account.StartAsync("open-call", _workspace, Now.AddMinutes(-5))).ShouldBeAsync(201);
        using var op = _host.Operator();

        var bodies = new (HttpClient Client, HttpMethod Method, string Path, JsonObject Valid)[]
        {
            (_account.Http, HttpMethod.Post, "/api/v1/workspaces", new() { ["name"] = "New", ["kind"] = "department", ["allocationMinutes"] = 1, ["resetDay"] = 5, ["concurrentCallLimit"] = 2 }),
            (_account.Http, HttpMethod.Patch, $"/api/v1/workspaces/{_workspace}", new() { ["name"] = "Renamed", ["kind"] = "client", ["allocationMinutes"] = 2, ["resetDay"] = 6, ["concurrentCallLimit"] = 3 }),
            (_account.Http, HttpMethod.Post, "/api/v1/calls", new() { ["callId"] = "fuzz-call", ["workspaceId"] = _workspace.ToString(), ["startedAt"] = Now.AddMinutes(-1).ToString("O"), ["projectTag"] = "P-1" }),
            (_account.Http, HttpMethod.Post, "/api/v1/calls/open-call/end", new() { ["endedAt"] = Now.ToString("O") }),
            (_account.Http, HttpMethod.Put, "/api/v1/account/distribution", new() { ["enabled"] = true }),
            (_account.Http, HttpMethod.Post, "/api/v1/account/plan-change", new() { ["planCode"] = "p200" }),
            (op, HttpMethod.Post, "/api/v1/plans", new() { ["code"] = "fuzz-plan", ["name"] = "Fuzz", ["minutesPerCycle"] = 10, ["price"] = new JsonObject { ["amount"] = 1.5, ["currency"] = "USD" }, ["billingIncrementSeconds"] = 6, ["minimumBillableSeconds"] = 30, ["concurrentCallLimit"] = 2 }),
            (op, HttpMethod.Post, "/api/v1/accounts", new() { ["name"] = "Fuzz account", ["planCode"] = "p100", ["timeZone"] = "Europe/Berlin", ["billingDay"] = 31, ["owner"] = new JsonObject { ["email"] = "fuzz@example.com", ["password"] = "Fuzz-pass-123" } }),
        };

        var cases = 0;
        foreach (var (client, method, path, valid) in bodies)
        {
            foreach (var field in valid.Select(p => p.Key).ToList())
            {
                foreach (var value in Values)
                {
                    var body = (JsonObject)valid.DeepClone();
                    body[field] = value?.DeepClone();
                    cases += await CheckAsync(client, method, path, body.ToJsonString());
                }

                var without = (JsonObject)valid.DeepClone();
                without.Remove(field);
                cases += await CheckAsync(client, method, path, without.ToJsonString());
                var json = valid.ToJsonString();
                cases += await CheckAsync(client, method, path, json[..^1] + $",\"{field}\":{JsonSerializer.Serialize(valid[field]?.ToJsonString())}}}");
            }

            var extra = (JsonObject)valid.DeepClone();
            extra["unexpected"] = 1;
            cases += await CheckAsync(client, method, path, extra.ToJsonString());
            foreach (var raw in new[] { "", "{", "}", "[]", "null", "123", "\"text\"", "{'name':'x'}", "{\"name\":\"x\",}", "{\"a\":1}{\"b\":2}", "\u00ff\u00fe", new string('[', 5_000) })
            {
                cases += await CheckAsync(client, method, path, raw);
            }

            cases += await CheckAsync(client, method, path, "{\"name\":\"" + new string('x', 3 * 1024 * 1024) + "\"}");
        }

        // The records of a batch import, field by field, inside a valid batch.
        var record = new JsonObject { ["callId"] = "fuzz-import", ["workspaceId"] = _workspace.ToString(), ["startedAt"] = Now.AddHours(-1).ToString("O"), ["endedAt"] = Now.AddMinutes(-50).ToString("O"), ["projectTag"] = "P" };
        foreach (var field in record.Select(p => p.Key).ToList())
        {
            foreach (var value in Values)
            {
                var bad = (JsonObject)record.DeepClone();
                bad[field] = value?.DeepClone();
                cases += await CheckAsync(_account.Http, HttpMethod.Post, "/api/v1/usage-records", new JsonObject { ["records"] = new JsonArray(bad) }.ToJsonString());
            }
        }

        foreach (var value in Values)
        {
            cases += await CheckAsync(_account.Http, HttpMethod.Post, "/api/v1/usage-records", new JsonObject { ["records"] = value?.DeepClone() }.ToJsonString());
        }

        // Query strings.
        var queries = new (string Path, string[] Parameters)[]
        {
            ("/api/v1/calls", ["workspaceId", "from", "to", "cursor", "limit"]),
            ("/api/v1/reports/usage", ["from", "to"]),
            ("/api/v1/statements", ["cycle"]),
            ($"/api/v1/workspaces/{_workspace}/balance", ["at"]),
            ("/api/v1/workspaces", ["includeArchived"]),
        };
        foreach (var (path, parameters) in queries)
        {
            foreach (var parameter in parameters)
            {
                foreach (var value in QueryValues)
                {
                    cases += await CheckAsync(_account.Http, HttpMethod.Get, $"{path}?{parameter}={Uri.EscapeDataString(value)}", null);
                }
            }
        }

        foreach (var id in new[] { "not-a-guid", Guid.Empty.ToString(), Guid.NewGuid().ToString(), "%27%3B--", new string('9', 500) })
        {
            cases += await CheckAsync(_account.Http, HttpMethod.Get, $"/api/v1/workspaces/{id}", null);
            cases += await CheckAsync(_account.Http, HttpMethod.Post, $"/api/v1/workspaces/{id}/archive", null);
            cases += await CheckAsync(_account.Http, HttpMethod.Post, $"/api/v1/calls/{id}/heartbeat", null);
        }

        cases.Should().BeGreaterThan(2_000);
        output.WriteLine($"bad-input cases sent: {cases}; refused: {_refused}; accepted as valid: {cases - _refused}; 5xx: 0; refusals that changed data: 0");
    }

    /// <summary>Sends one case; answers 1. A refusal must be a coded problem document and leave the data as it was.</summary>
    private async Task<int> CheckAsync(HttpClient client, HttpMethod method, string path, string? body)
    {
        var before = await FingerprintAsync();
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await client.SendAsync(request);
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync();
        var shown = body is null ? path : $"{method} {path} {body[..Math.Min(body.Length, 200)]}";
        status.Should().BeLessThan(500, "{0} answered {1}", shown, text);
        if (status < 400)
        {
            return 1;
        }

        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json", shown);
        var code = JsonDocument.Parse(text).RootElement.GetProperty("code").GetString();
        KnownCodes.Should().Contain(code!, shown);
        _refused++;
        (await FingerprintAsync()).Should().Be(before, "a refused request changes nothing: {0} → {1}", shown, text);
        return 1;
    }

    /// <summary>Every row of the tables a request could change, as one hash computed by the database.</summary>
    private async Task<string> FingerprintAsync()
    {
        await using var connection = new NpgsqlConnection(_host.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT md5(concat_ws('|',
              (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM accounts t),
              (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM account_plan_changes t),
              (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM workspaces t),
              (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM calls t),
              (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM usage_buckets t),
              (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM plans t),
              (SELECT count(*) FROM audit_entries)))
            """,
            connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
