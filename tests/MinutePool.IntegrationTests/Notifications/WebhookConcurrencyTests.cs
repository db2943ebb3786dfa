using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Notifications;
using MinutePool.Data;
using MinutePool.Data.Notifications;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Notifications;

/// <summary>
/// App instances running the delivery job side by side (here: dispatchers with their own connections) over the
/// same due deliveries post each one exactly once. PostgreSQL only: that is the store several instances share.
/// </summary>
public sealed class WebhookConcurrencyOnPostgresTests : IAsyncLifetime
{
    private const int Notices = 40;
    private const int Dispatchers = 4;

    private readonly PostgresDatabase _db = new();
    private WebhookReceiver _receiver = null!;
    private Guid _first;
    private Guid _second;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
        await _db.PlanAsync("p100", 100);
        _first = await _db.AccountAsync("p100", name: "First");
        _second = await _db.AccountAsync("p100", name: "Second");
        foreach (var account in new[] { _first, _second })
        {
            await using var scope = _db.Scope(account);
            Seed.Ok(await scope.ServiceProvider.GetRequiredService<WebhookService>().ConfigureAsync(_receiver.Url, Seed.Actor));
        }
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_dispatchers_send_each_due_delivery_exactly_once()
    {
        for (var i = 0; i < Notices; i++)
        {
            await using var scope = _db.Scope();
            var publisher = scope.ServiceProvider.GetRequiredService<NotificationPublisher>();
            (await publisher.PublishAsync(i % 2 == 0 ? _first : _second, new NoticeDraft($"n-{i}", "threshold.crossed", $"Notice {i}", "", new { i }))).Should().BeTrue();
        }

        _receiver.Delay = TimeSpan.FromMilliseconds(15);
        using var start = new SemaphoreSlim(0, Dispatchers);
        var runs = Enumerable.Range(0, Dispatchers).Select(_ => Task.Run(async () =>
        {
            await using var scope = _db.Scope();
            var dispatcher = scope.ServiceProvider.GetRequiredService<WebhookDispatcher>();
            await start.WaitAsync();
            return await dispatcher.DeliverDueAsync(CancellationToken.None);
        })).ToList();
        start.Release(Dispatchers);
        var attempted = await Task.WhenAll(runs);

        attempted.Sum().Should().Be(Notices, "every delivery was attempted by exactly one dispatcher");
        attempted.Count(n => n > 0).Should().BeGreaterThan(1, "the dispatchers really ran side by side");
        var perDelivery = _receiver.Requests.GroupBy(r => r.Header(WebhookDispatcher.DeliveryHeader)).ToList();
        perDelivery.Should().HaveCount(Notices);
        perDelivery.Should().OnlyContain(g => g.Count() == 1, "no delivery is posted twice");

        foreach (var account in new[] { _first, _second })
        {
            await using var scope = _db.Scope(account);
            var log = await scope.ServiceProvider.GetRequiredService<WebhookService>().DeliveriesAsync();
            log.Should().HaveCount(Notices / 2).And.OnlyContain(v => v.Delivery.Status == DeliveryStatus.Delivered && v.Delivery.Attempts == 1);
        }

        _db.Clock.Advance(TimeSpan.FromHours(1));
        (await Task.WhenAll(Enumerable.Range(0, Dispatchers).Select(async _ =>
        {
            await using var scope = _db.Scope();
            return await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DeliverDueAsync(CancellationToken.None);
        }))).Sum().Should().Be(0);
        _receiver.Requests.Should().HaveCount(Notices);
    }

    [Fact]
    public async Task Concurrent_dispatchers_retrying_a_failing_receiver_attempt_each_delivery_once_per_back_off()
    {
        _receiver.Status = 503;
        for (var i = 0; i < 10; i++)
        {
            await using var scope = _db.Scope();
            await scope.ServiceProvider.GetRequiredService<NotificationPublisher>().PublishAsync(_first, new NoticeDraft($"f-{i}", "minutes.reset", "Reset", "", new { i }));
        }

        for (var round = 1; round <= 3; round++)
        {
            var attempted = await Task.WhenAll(Enumerable.Range(0, Dispatchers).Select(_ => Task.Run(async () =>
            {
                await using var scope = _db.Scope();
                return await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DeliverDueAsync(CancellationToken.None);
            })));
            attempted.Sum().Should().Be(10, "round {0} attempts each delivery once", round);
            _receiver.Requests.Should().HaveCount(10 * round);
            _db.Clock.Advance(WebhookDelivery.Backoff(round));
        }

        _receiver.Requests.GroupBy(r => r.Header(WebhookDispatcher.DeliveryHeader)).Should().HaveCount(10).And.OnlyContain(g => g.Count() == 3);
    }

    [Fact]
    public async Task Owners_saving_the_first_url_at_once_are_shown_one_secret_and_it_is_the_one_kept()
    {
        var account = await _db.AccountAsync("p100", name: "Third");

        var saved = await Task.WhenAll(Enumerable.Range(0, Dispatchers).Select(i => Task.Run(async () =>
        {
            await using var scope = _db.Scope(account);
            return Seed.Ok(await scope.ServiceProvider.GetRequiredService<WebhookService>().ConfigureAsync($"https://example.com/hook/{i}", Seed.Actor));
        })));

        var shown = saved.Where(s => s.NewSecret is not null).Should().ContainSingle().Subject.NewSecret;
        await using var check = _db.Scope(account);
        (await check.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Accounts.SingleAsync()).WebhookSecret.Should().Be(shown);
    }
}
