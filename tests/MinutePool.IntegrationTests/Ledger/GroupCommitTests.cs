using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Common;
using MinutePool.Data.Calls;
using MinutePool.IntegrationTests.Infrastructure;
using Npgsql;

namespace MinutePool.IntegrationTests.Ledger;

/// <summary>
/// Group commit of call starts and ends on PostgreSQL (<see cref="CallWriteBatches"/>): calls of several accounts that
/// arrive while a batch is at the database share the next statement and commit, and each is still charged exactly
/// once. The test holds a row lock so that the first batch waits, which lets the others queue up behind it.
/// </summary>
public sealed class GroupCommitTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new();
    private Guid _accountA;
    private Guid _accountB;
    private Guid _workspaceA;
    private Guid _workspaceB;

    private DateTimeOffset Start => _db.Clock.Now.AddMinutes(-30);

    private CallWriteBatches Batches => _db.Services.GetRequiredService<CallWriteBatches>();

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        await _db.PlanAsync("p100000", 100_000);
        (_accountA, _accountB) = (await _db.AccountAsync("p100000"), await _db.AccountAsync("p100000"));
        (_workspaceA, _workspaceB) = ((await _db.WorkspaceAsync(_accountA)).Workspace.Id, (await _db.WorkspaceAsync(_accountB)).Workspace.Id);
    }

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Ends_of_two_accounts_queued_behind_one_batch_commit_together_and_each_is_charged_once()
    {
        var calls = await StartCallsAsync(10);
        var before = Batches.Ends.Batches;
        var (blocked, ends, repeat) = await EndBehindBlockerAsync(calls, () => _db.EndAsync(_accountA, "a-0", Start.AddSeconds(999))); // a-0 again

        Seed.Ok(await blocked).BillableSeconds.Should().Be(60);
        var answers = (await Task.WhenAll(ends)).Select(Seed.Ok).ToList();
        answers.Select(e => e.BillableSeconds).Should().Equal(calls.Select((_, i) => 100L + i));
        var again = Seed.Ok(await repeat);
        again.EndedAt.Should().Be(Start.AddSeconds(100), "a repeated end answers what the first end recorded");
        again.BillableSeconds.Should().Be(100);

        Batches.Ends.Batches.Should().Be(before + 3, "the blocker alone, then the twenty ends in one batch, then the repeat in its own");
        (await _db.WorkspaceAsync(_accountA, _workspaceA)).UsedSeconds.Should().Be(60 + SumOf(calls, _accountA));
        (await _db.WorkspaceAsync(_accountB, _workspaceB)).UsedSeconds.Should().Be(SumOf(calls, _accountB));
        (await _db.WorkspaceAsync(_accountA, _workspaceA)).ActiveCalls.Should().Be(0);
    }

    [Fact]
    public async Task An_end_the_database_refuses_fails_alone_and_the_rest_of_its_batch_is_charged()
    {
        var calls = await StartCallsAsync(3);
        Seed.Ok(await _db.StartAsync(_accountA, "poison", _workspaceA, Start));
        await Sql.ExecuteAsync(_db.ConnectionString, """
            CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.call_id = 'poison' THEN RAISE EXCEPTION 'poison refused'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_poison BEFORE UPDATE ON calls FOR EACH ROW EXECUTE FUNCTION refuse_poison();
            """);
        var before = Batches.Ends.Batches;
        var (blocked, ends, poison) = await EndBehindBlockerAsync(calls, () => _db.EndAsync(_accountA, "poison", Start.AddSeconds(500)));

        Seed.Ok(await blocked);
        (await Task.WhenAll(ends)).Should().OnlyContain(e => e.IsSuccess);
        (await FluentActions.Awaiting(() => poison).Should().ThrowAsync<PostgresException>()).Which.MessageText.Should().Be("poison refused");

        Batches.Ends.Batches.Should().Be(before + 2, "the blocker alone, then one batch for the rest, whose writes then ran one by one");
        var workspaceA = await _db.WorkspaceAsync(_accountA, _workspaceA);
        workspaceA.UsedSeconds.Should().Be(60 + SumOf(calls, _accountA), "the refused end charged nothing");
        workspaceA.ActiveCalls.Should().Be(1, "the refused call is still running");
        (await _db.WorkspaceAsync(_accountB, _workspaceB)).UsedSeconds.Should().Be(SumOf(calls, _accountB));
    }

    [Fact]
    public async Task Starts_queued_behind_one_batch_are_inserted_together_and_a_repeated_start_answers_as_the_first()
    {
        var before = Batches.Starts.Batches;

        // An uncommitted insert of the same call id makes the app's insert of "blocker" wait for the test's transaction.
        Task<Result<StartedCall>> blocked, repeat;
        List<Task<Result<StartedCall>>> starts;
        await using (var held = await HeldLock.TakeAsync(_db.ConnectionString, $"""
            INSERT INTO calls (account_id, call_id, workspace_id, started_at, local_date, max_usage_seconds, source, recorded_at)
            VALUES ('{_accountA}', 'blocker', '{_workspaceA}', now(), current_date, 0, 'Live', now())
            """))
        {
            blocked = _db.StartAsync(_accountA, "blocker", _workspaceA, Start);
            await Until(() => Batches.Starts.Batches == before + 1, "the blocker's batch to start");
            starts = Enumerable.Range(0, 10)
                .Select(i => i % 2 == 0 ? _db.StartAsync(_accountA, $"s-{i}", _workspaceA, Start.AddSeconds(i)) : _db.StartAsync(_accountB, $"s-{i}", _workspaceB, Start.AddSeconds(i)))
                .ToList();
            await Until(() => Batches.Starts.Queued == 10, "the starts to queue");
            repeat = _db.StartAsync(_accountA, "s-0", _workspaceA, Start.AddSeconds(77));
            await Until(() => Batches.Starts.Queued == 11, "the repeated start to queue");
        }

        Seed.Ok(await blocked).StartedAt.Should().Be(Start, "the test's insert rolled back, so the app's went in");
        (await Task.WhenAll(starts)).Select(s => Seed.Ok(s).StartedAt).Should().Equal(Enumerable.Range(0, 10).Select(i => Start.AddSeconds(i)));
        Seed.Ok(await repeat).StartedAt.Should().Be(Start, "a repeated start answers as the first one did");
        Batches.Starts.Batches.Should().Be(before + 3, "the blocker alone, then ten starts in one batch, then the repeat in its own");
        (await _db.WorkspaceAsync(_accountA, _workspaceA)).ActiveCalls.Should().Be(6);
        (await _db.WorkspaceAsync(_accountB, _workspaceB)).ActiveCalls.Should().Be(5);
    }

    /// <summary>Starts <paramref name="perAccount"/> calls in each of the two accounts: a-0, b-0, a-1, b-1, ...</summary>
    private async Task<List<(Guid Account, string CallId)>> StartCallsAsync(int perAccount)
    {
        var calls = new List<(Guid Account, string CallId)>();
        for (var i = 0; i < perAccount; i++)
        {
            calls.Add((_accountA, $"a-{i}"));
            calls.Add((_accountB, $"b-{i}"));
        }

        foreach (var (account, callId) in calls)
        {
            Seed.Ok(await _db.StartAsync(account, callId, account == _accountA ? _workspaceA : _workspaceB, Start));
        }

        return calls;
    }

    /// <summary>
    /// Starts "blocker" and ends it (60 s) while the test holds its row, so that its batch waits; then ends every call
    /// (call i lasting 100 + i s) and then <paramref name="last"/>, each once the one before is queued, and lets go.
    /// </summary>
    private async Task<(Task<Result<EndedCall>> Blocked, List<Task<Result<EndedCall>>> Ends, Task<Result<EndedCall>> Last)> EndBehindBlockerAsync(
        List<(Guid Account, string CallId)> calls, Func<Task<Result<EndedCall>>> last)
    {
        Seed.Ok(await _db.StartAsync(_accountA, "blocker", _workspaceA, Start));
        var before = Batches.Ends.Batches;
        await using var held = await HeldLock.TakeAsync(_db.ConnectionString, "SELECT 1 FROM calls WHERE call_id = 'blocker' FOR UPDATE");
        var blocked = _db.EndAsync(_accountA, "blocker", Start.AddSeconds(60));
        await Until(() => Batches.Ends.Batches == before + 1, "the blocker's batch to start");
        var ends = calls.Select((c, i) => _db.EndAsync(c.Account, c.CallId, Start.AddSeconds(100 + i))).ToList();
        await Until(() => Batches.Ends.Queued == calls.Count, "the ends to queue");
        var lastEnd = last();
        await Until(() => Batches.Ends.Queued == calls.Count + 1, "the last end to queue");
        return (blocked, ends, lastEnd);
    }

    /// <summary>What <see cref="StartCallsAsync"/>'s calls of one account bill when call i lasts 100 + i seconds.</summary>
    private static long SumOf(List<(Guid Account, string CallId)> calls, Guid account) =>
        calls.Select((c, i) => (c.Account, Seconds: 100L + i)).Where(c => c.Account == account).Sum(c => c.Seconds);

    private static async Task Until(Func<bool> condition, string what)
    {
        for (var waited = 0; !condition(); waited++)
        {
            if (waited > 1_000)
            {
                throw new TimeoutException($"Waited 10 s for {what}.");
            }

            await Task.Delay(10);
        }
    }
}

/// <summary>With group commit off (MinutePool:Database:GroupCommit=false), an end runs the same statement alone on the request's connection.</summary>
public sealed class CallEndsWithoutGroupCommitTests : IAsyncLifetime
{
    private readonly PostgresDatabase _db = new() { GroupCommit = false };

    public Task InitializeAsync() => _db.InitializeAsync();

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Concurrent_ends_each_charge_once_and_a_repeated_end_answers_the_first()
    {
        _db.Services.GetService<CallWriteBatches>().Should().BeNull("group commit is off");
        await _db.PlanAsync("p100000", 100_000);
        var account = await _db.AccountAsync("p100000");
        var workspace = (await _db.WorkspaceAsync(account)).Workspace.Id;
        var start = _db.Clock.Now.AddMinutes(-30);
        for (var i = 0; i < 10; i++)
        {
            Seed.Ok(await _db.StartAsync(account, $"c-{i}", workspace, start));
        }

        var ends = await Task.WhenAll(Enumerable.Range(0, 10)
            .SelectMany(i => new[] { _db.EndAsync(account, $"c-{i}", start.AddSeconds(100 + i)), _db.EndAsync(account, $"c-{i}", start.AddSeconds(100 + i)) }));

        ends.Select(e => Seed.Ok(e).BillableSeconds).Should().Equal(Enumerable.Range(0, 10).SelectMany(i => new[] { 100L + i, 100L + i }));
        (await _db.WorkspaceAsync(account, workspace)).UsedSeconds.Should().Be(Enumerable.Range(0, 10).Sum(i => 100L + i));
        Seed.Ok(await _db.EndAsync(account, "c-0", start.AddSeconds(999))).EndedAt.Should().Be(start.AddSeconds(100));
        (await _db.WorkspaceAsync(account, workspace)).UsedSeconds.Should().Be(Enumerable.Range(0, 10).Sum(i => 100L + i));
    }
}
