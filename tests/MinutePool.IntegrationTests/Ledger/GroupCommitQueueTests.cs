using MinutePool.Data.Infrastructure;

namespace MinutePool.IntegrationTests.Ledger;

/// <summary>
/// The group commit queue on its own: which writes share a batch, what a failed batch does, and that stopping
/// finishes what was queued. The writer here records batches; the database behaviour is in GroupCommitTests.
/// </summary>
public sealed class GroupCommitQueueTests
{
    [Fact]
    public async Task Writes_handed_in_while_a_batch_is_out_go_together_in_the_next_one()
    {
        var writer = new GatedWriter();
        await using var queue = new GroupCommit<string, string, string>(s => s, writer.WriteAsync);

        var first = queue.WriteAsync("a");
        await writer.BatchStarted(1);
        var rest = Enumerable.Range(0, 30).Select(i => queue.WriteAsync($"b{i}")).ToList();
        writer.Release();

        (await first).Should().Be("wrote a");
        (await Task.WhenAll(rest)).Should().Equal(Enumerable.Range(0, 30).Select(i => $"wrote b{i}"));
        writer.Batches.Select(b => b.Count).Should().Equal(1, 30);
        queue.Batches.Should().Be(2);
        queue.Items.Should().Be(31);
    }

    [Fact]
    public async Task Two_writes_with_one_key_never_share_a_batch_and_keep_their_order()
    {
        var writer = new GatedWriter();
        await using var queue = new GroupCommit<string, string, string>(s => s[..1], writer.WriteAsync);

        var first = queue.WriteAsync("x0");
        await writer.BatchStarted(1);
        var queued = new[] { "x1", "y1", "x2", "z1" }.Select(queue.WriteAsync).ToList();
        writer.Release();
        await Task.WhenAll(queued.Append(first));

        writer.Written.Should().Equal("x0", "x1 y1 z1", "x2");
    }

    [Fact]
    public async Task When_a_batch_fails_each_write_runs_alone_and_only_the_bad_one_fails()
    {
        var writer = new GatedWriter { Refuse = "bad" };
        await using var queue = new GroupCommit<string, string, string>(s => s, writer.WriteAsync);

        var first = queue.WriteAsync("a");
        await writer.BatchStarted(1);
        var good1 = queue.WriteAsync("b");
        var bad = queue.WriteAsync("bad");
        var good2 = queue.WriteAsync("c");
        writer.Release();

        (await good1).Should().Be("wrote b");
        (await good2).Should().Be("wrote c");
        await FluentActions.Awaiting(() => bad).Should().ThrowAsync<InvalidOperationException>().WithMessage("refused bad");
        (await first).Should().Be("wrote a");
        writer.Written.Should().Equal("a", "b bad c", "b", "bad", "c");
    }

    [Fact]
    public async Task Stopping_finishes_the_queued_writes_and_then_refuses_new_ones()
    {
        var writer = new GatedWriter();
        var queue = new GroupCommit<string, string, string>(s => s, writer.WriteAsync);
        var first = queue.WriteAsync("a");
        await writer.BatchStarted(1);
        var second = queue.WriteAsync("b");

        var stopping = queue.DisposeAsync().AsTask();
        writer.Release();
        await stopping;

        (await first).Should().Be("wrote a");
        (await second).Should().Be("wrote b");
        FluentActions.Invoking(() => { _ = queue.WriteAsync("late"); }).Should().Throw<ObjectDisposedException>();
    }

    /// <summary>Holds the first batch until released; refuses (throws for) any batch holding <see cref="Refuse"/>.</summary>
    private sealed class GatedWriter
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly object _lock = new();

        public List<List<string>> Batches { get; } = [];

        public string? Refuse { get; init; }

        /// <summary>Each batch as its writes joined by spaces, in the order the batches were written.</summary>
        public IEnumerable<string> Written => Batches.Select(b => string.Join(' ', b));

        public void Release() => _gate.TrySetResult();

        public async Task BatchStarted(int count)
        {
            for (var waited = 0; waited < 1_000; waited++)
            {
                lock (_lock)
                {
                    if (Batches.Count >= count)
                    {
                        return;
                    }
                }

                await Task.Delay(10);
            }

            throw new TimeoutException("The queue did not start a batch.");
        }

        public async Task<IReadOnlyList<string>> WriteAsync(IReadOnlyList<string> batch)
        {
            lock (_lock)
            {
                Batches.Add([.. batch]);
            }

            await _gate.Task;
            return Refuse is not null && batch.Contains(Refuse) ? throw new InvalidOperationException($"refused {Refuse}") : batch.Select(s => $"wrote {s}").ToList();
        }
    }
}
