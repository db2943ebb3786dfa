using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Common;
using MinutePool.Core.Notifications;
using MinutePool.Data;
using MinutePool.Data.Notifications;
using MinutePool.IntegrationTests.Infrastructure;
using MinutePool.Web.Jobs;

namespace MinutePool.IntegrationTests.Notifications;

/// <summary>
/// Notices published through <see cref="NotificationPublisher"/> reach a real HTTP endpoint (a local receiver),
/// signed with the account's secret, retried with doubling back-off until dead, once per dedup key, per tenant.
/// </summary>
public abstract class WebhookDeliveryTests<TDatabase> : IAsyncLifetime
    where TDatabase : TestDatabase, new()
{
    private readonly TDatabase _db = new();
    private WebhookReceiver _receiver = null!;
    private Guid _account;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        _receiver = await WebhookReceiver.StartAsync();
        await _db.PlanAsync("p100", 100);
        _account = await _db.AccountAsync("p100", name: "Hooked");
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task A_published_notice_reaches_the_receiver_signed_with_the_account_secret()
    {
        var secret = await ConfigureAsync(_account, _receiver.Url);
        secret.Should().StartWith(WebhookSignature.SecretPrefix);
        var notice = await PublishAsync(_account, "threshold:80:account:2026-11-01", new { percent = 80, scope = "account" });

        (await DeliverDueAsync()).Should().Be(1);

        var request = _receiver.Requests.Should().ContainSingle().Subject;
        var delivery = (await DeliveriesAsync(_account)).Should().ContainSingle().Subject;
        request.Path.Should().Be("/hooks/minutepool");
        request.Header("Content-Type").Should().Be("application/json");
        request.Header(WebhookDispatcher.DeliveryHeader).Should().Be(delivery.Id.ToString());
        request.Header(WebhookDispatcher.EventHeader).Should().Be("threshold.crossed");
        var signature = request.Header(WebhookSignature.HeaderName);
        signature.Should().Be(WebhookSignature.Sign(secret, _db.Clock.Now, request.Body));
        WebhookSignature.Verify(signature, request.Body, secret, _db.Clock.Now).Should().BeTrue();
        WebhookSignature.Verify(signature, request.Body, WebhookSignature.NewSecret(), _db.Clock.Now).Should().BeFalse();

        var json = JsonDocument.Parse(request.Body).RootElement;
        json.GetProperty("id").GetGuid().Should().Be(notice.Id);
        json.GetProperty("type").GetString().Should().Be("threshold.crossed");
        json.GetProperty("createdAt").GetDateTimeOffset().Should().Be(_db.Clock.Now);
        json.GetProperty("accountId").GetGuid().Should().Be(_account);
        json.GetProperty("data").GetProperty("percent").GetInt32().Should().Be(80);
        json.GetProperty("data").GetProperty("scope").GetString().Should().Be("account");

        delivery.Status.Should().Be(DeliveryStatus.Delivered);
        delivery.Attempts.Should().Be(1);
        delivery.LastStatusCode.Should().Be(200);
        delivery.DeliveredAt.Should().Be(_db.Clock.Now);

        _db.Clock.Advance(TimeSpan.FromDays(1));
        (await DeliverDueAsync()).Should().Be(0, "a delivered notice is never sent again");
        _receiver.Requests.Should().HaveCount(1);
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_with_doubling_delays_until_the_delivery_is_dead()
    {
        await ConfigureAsync(_account, _receiver.Url);
        _receiver.Status = 500;
        await PublishAsync(_account, "reset:2026-11", new { });

        var gaps = new List<TimeSpan>();
        for (var attempt = 1; attempt <= WebhookDelivery.MaxAttempts; attempt++)
        {
            (await DeliverDueAsync()).Should().Be(1, "attempt {0} is due", attempt);
            var delivery = (await DeliveriesAsync(_account)).Single();
            delivery.Attempts.Should().Be(attempt);
            delivery.LastStatusCode.Should().Be(500);
            delivery.LastError.Should().Contain("500");
            _receiver.Requests.Should().HaveCount(attempt);
            if (attempt == WebhookDelivery.MaxAttempts)
            {
                delivery.Status.Should().Be(DeliveryStatus.Dead);
                break;
            }

            delivery.Status.Should().Be(DeliveryStatus.Pending);
            gaps.Add(delivery.NextAttemptAt - _db.Clock.Now);

            // Not a moment early: one second before the back-off ends nothing is sent.
            _db.Clock.Now = delivery.NextAttemptAt.AddSeconds(-1);
            (await DeliverDueAsync()).Should().Be(0);
            _db.Clock.Now = delivery.NextAttemptAt;
        }

        gaps.Should().HaveCount(WebhookDelivery.MaxAttempts - 1);
        gaps[0].Should().Be(TimeSpan.FromSeconds(30));
        for (var i = 1; i < gaps.Count; i++)
        {
            gaps[i].Should().Be(gaps[i - 1] * 2, "the delay after attempt {0} doubles the one before", i + 1);
        }

        _db.Clock.Advance(TimeSpan.FromDays(30));
        (await DeliverDueAsync()).Should().Be(0, "a dead delivery is not sent again");
        _receiver.Requests.Should().HaveCount(WebhookDelivery.MaxAttempts);
    }

    [Fact]
    public async Task A_notice_published_twice_with_one_dedup_key_exists_once_and_is_delivered_once()
    {
        await ConfigureAsync(_account, _receiver.Url);
        var draft = new NoticeDraft("threshold:100:account:2026-11-01", "threshold.crossed", "Minutes used up", "All of the plan is used.", new { percent = 100 });

        (await PublishAsync(_account, draft)).Should().BeTrue();
        (await PublishAsync(_account, draft)).Should().BeFalse();

        (await NoticesAsync(_account)).Should().ContainSingle();
        (await DeliveriesAsync(_account)).Should().ContainSingle();
        (await DeliverDueAsync()).Should().Be(1);
        (await PublishAsync(_account, draft)).Should().BeFalse("a delivered notice is not published again either");
        (await DeliverDueAsync()).Should().Be(0);
        _receiver.Requests.Should().ContainSingle();
    }

    [Fact]
    public async Task Queries_for_one_account_never_show_another_accounts_notices_or_deliveries()
    {
        var other = await _db.AccountAsync("p100", name: "Other");
        var secretA = await ConfigureAsync(_account, _receiver.Url);
        var secretB = await ConfigureAsync(other, _receiver.Url);
        await PublishAsync(_account, "a-1", new { n = 1 });
        await PublishAsync(other, "b-1", new { n = 1 });
        await PublishAsync(other, "b-2", new { n = 2 });

        await using (var scope = _db.Scope(_account))
        {
            var queries = scope.ServiceProvider.GetRequiredService<NotificationQueries>();
            var webhooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
            (await queries.ListAsync()).Should().ContainSingle().Which.AccountId.Should().Be(_account);
            (await queries.UnreadCountAsync()).Should().Be(1);
            (await webhooks.DeliveriesAsync()).Should().ContainSingle().Which.Delivery.AccountId.Should().Be(_account);
            (await queries.MarkAllReadAsync()).Should().Be(1);
        }

        await using (var scope = _db.Scope(other))
        {
            var queries = scope.ServiceProvider.GetRequiredService<NotificationQueries>();
            (await queries.UnreadCountAsync()).Should().Be(2, "marking A's notices read leaves B's alone");
            (await queries.ListAsync()).Select(n => n.DedupKey).Should().Equal("b-2", "b-1");
            (await scope.ServiceProvider.GetRequiredService<WebhookService>().DeliveriesAsync()).Should().HaveCount(2).And.OnlyContain(v => v.Delivery.AccountId == other);
        }

        await using (var scope = _db.Scope())
        {
            (await scope.ServiceProvider.GetRequiredService<NotificationQueries>().ListAsync()).Should().BeEmpty("no tenant sees nothing");
            (await scope.ServiceProvider.GetRequiredService<WebhookService>().DeliveriesAsync()).Should().BeEmpty();
        }

        // The job serves both accounts, each signed with its own secret.
        (await DeliverDueAsync()).Should().Be(3);
        foreach (var request in _receiver.Requests)
        {
            var accountId = JsonDocument.Parse(request.Body).RootElement.GetProperty("accountId").GetGuid();
            var (own, foreign) = accountId == _account ? (secretA, secretB) : (secretB, secretA);
            WebhookSignature.Verify(request.Header(WebhookSignature.HeaderName), request.Body, own, _db.Clock.Now).Should().BeTrue();
            WebhookSignature.Verify(request.Header(WebhookSignature.HeaderName), request.Body, foreign, _db.Clock.Now).Should().BeFalse();
        }
    }

    [Fact]
    public async Task The_url_must_be_an_absolute_http_url_and_the_secret_is_shown_only_when_created()
    {
        await using (var scope = _db.Scope(_account))
        {
            var webhooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
            foreach (var bad in new[] { "", "   ", "/hooks", "example.com/hook", "ftp://example.com/hook", "mailto:x@example.com", "https://user:pw@example.com/hook", "https://example.com/" + new string('a', 2_000) })
            {
                var refused = await webhooks.ConfigureAsync(bad, Seed.Actor);
                refused.Error.Should().NotBeNull("'{0}' is not a usable URL", bad);
                refused.Error!.Code.Should().Be(ErrorCodes.ValidationFailed);
                refused.Error.Field.Should().Be("url");
            }

            (await webhooks.SettingsAsync())!.IsConfigured.Should().BeFalse();
            var first = Seed.Ok(await webhooks.ConfigureAsync(" https://example.com/a ", Seed.Actor));
            first.Url.Should().Be("https://example.com/a");
            first.NewSecret.Should().NotBeNull();
            var second = Seed.Ok(await webhooks.ConfigureAsync("http://example.com/b", Seed.Actor));
            second.NewSecret.Should().BeNull("the secret exists already and is not shown again");
            (await webhooks.SettingsAsync()).Should().Be(new WebhookSettings("http://example.com/b", true));
        }

        await using var check = _db.Scope(_account);
        var account = await check.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Accounts.SingleAsync();
        account.WebhookSecret.Should().HaveLength(49);
    }

    [Fact]
    public async Task A_rotated_secret_signs_every_later_post_and_changes_are_audited_without_the_secret()
    {
        var old = await ConfigureAsync(_account, _receiver.Url);
        await PublishAsync(_account, "before-rotation", new { });
        string rotated;
        await using (var scope = _db.Scope(_account))
        {
            rotated = Seed.Ok(await scope.ServiceProvider.GetRequiredService<WebhookService>().RotateSecretAsync(Seed.Actor));
        }

        rotated.Should().NotBe(old);
        (await DeliverDueAsync()).Should().Be(1);
        var request = _receiver.Requests.Single();
        WebhookSignature.Verify(request.Header(WebhookSignature.HeaderName), request.Body, rotated, _db.Clock.Now).Should().BeTrue();
        WebhookSignature.Verify(request.Header(WebhookSignature.HeaderName), request.Body, old, _db.Clock.Now).Should().BeFalse();

        Guid testNotice;
        await using (var scope = _db.Scope(_account))
        {
            var webhooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
            testNotice = Seed.Ok(await webhooks.SendTestAsync(Seed.Actor));
            Seed.Ok(await webhooks.SendTestAsync(Seed.Actor)).Should().NotBe(testNotice, "every test is a new notice");
            Seed.Ok(await webhooks.DisableAsync(Seed.Actor)).Should().Be(2, "the two queued tests are dropped");
            (await webhooks.SendTestAsync(Seed.Actor)).Error!.Code.Should().Be(ErrorCodes.NotFound);
            (await webhooks.RotateSecretAsync(Seed.Actor)).Error!.Code.Should().Be(ErrorCodes.NotFound);
        }

        (await DeliverDueAsync()).Should().Be(0);
        _receiver.Requests.Should().ContainSingle();
        var deliveries = await DeliveriesAsync(_account);
        deliveries.Where(d => d.NotificationId == testNotice).Should().ContainSingle().Which.Status.Should().Be(DeliveryStatus.Dead);
        (await NoticesAsync(_account)).Where(n => n.Kind == "webhook.test").Should().HaveCount(2, "the tests stay in the app");

        await using (var scope = _db.Scope(_account))
        {
            var audit = await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().AuditEntries.Where(e => e.Action.StartsWith("webhook.")).ToListAsync();
            audit.Select(e => e.Action).Should().Contain(["webhook.configured", "webhook.secret_rotated", "webhook.test_sent", "webhook.disabled"]);
            foreach (var entry in audit)
            {
                $"{entry.Before} {entry.After}".Should().NotContain(old).And.NotContain(rotated).And.NotContain(WebhookSignature.SecretPrefix);
            }
        }
    }

    [Fact]
    public async Task The_scheduled_webhooks_job_posts_what_is_due_and_records_its_run_for_the_jobs_page()
    {
        await ConfigureAsync(_account, _receiver.Url);
        await PublishAsync(_account, "job-run", new { });
        var job = new DeliverWebhooksJob(_db.Services.GetRequiredService<IServiceScopeFactory>(), _db.Clock);

        await job.Execute(null!, CancellationToken.None);

        _receiver.Requests.Should().ContainSingle();
        (await DeliveriesAsync(_account)).Single().Status.Should().Be(DeliveryStatus.Delivered);
        await using var scope = _db.Scope();
        var run = await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().JobRuns.SingleAsync(r => r.JobName == DeliverWebhooksJob.JobName);
        run.LastSucceeded.Should().BeTrue();
        run.LastSummary.Should().Be("1 delivery attempt(s)");
    }

    [Fact]
    public async Task An_unreachable_endpoint_or_a_redirect_is_a_failed_attempt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await ConfigureAsync(_account, $"http://127.0.0.1:{closedPort}/hook");
        await PublishAsync(_account, "unreachable", new { });

        (await DeliverDueAsync()).Should().Be(1);
        var failed = (await DeliveriesAsync(_account)).Single();
        failed.Status.Should().Be(DeliveryStatus.Pending);
        failed.Attempts.Should().Be(1);
        failed.LastStatusCode.Should().BeNull();
        failed.LastError.Should().NotBeNullOrEmpty();
        failed.NextAttemptAt.Should().Be(_db.Clock.Now.AddSeconds(30));

        // The owner points the webhook somewhere that redirects: the retry goes to the new URL, and is not followed.
        await ConfigureAsync(_account, _receiver.Url);
        _receiver.Status = 302;
        _db.Clock.Advance(TimeSpan.FromSeconds(30));
        (await DeliverDueAsync()).Should().Be(1);
        _receiver.Requests.Should().ContainSingle();
        var redirected = (await DeliveriesAsync(_account)).Single();
        redirected.Url.Should().Be(_receiver.Url);
        redirected.Attempts.Should().Be(2);
        redirected.LastStatusCode.Should().Be(302);
        redirected.Status.Should().Be(DeliveryStatus.Pending);
    }

    private async Task<string> ConfigureAsync(Guid accountId, string url)
    {
        await using var scope = _db.Scope(accountId);
        var webhooks = scope.ServiceProvider.GetRequiredService<WebhookService>();
        var configured = Seed.Ok(await webhooks.ConfigureAsync(url, Seed.Actor));
        if (configured.NewSecret is { } created)
        {
            return created;
        }

        return (await scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>().Accounts.SingleAsync()).WebhookSecret!;
    }

    private async Task<Notification> PublishAsync(Guid accountId, string dedupKey, object data)
    {
        (await PublishAsync(accountId, new NoticeDraft(dedupKey, "threshold.crossed", "80 % of the minutes used", "The account has used 80 % of its minutes.", data))).Should().BeTrue();
        return (await NoticesAsync(accountId)).Single(n => n.DedupKey == dedupKey);
    }

    private async Task<bool> PublishAsync(Guid accountId, NoticeDraft draft)
    {
        await using var scope = _db.Scope();
        return await scope.ServiceProvider.GetRequiredService<NotificationPublisher>().PublishAsync(accountId, draft);
    }

    private async Task<List<Notification>> NoticesAsync(Guid accountId)
    {
        await using var scope = _db.Scope(accountId);
        return await scope.ServiceProvider.GetRequiredService<NotificationQueries>().ListAsync();
    }

    private async Task<List<WebhookDelivery>> DeliveriesAsync(Guid accountId)
    {
        await using var scope = _db.Scope(accountId);
        return (await scope.ServiceProvider.GetRequiredService<WebhookService>().DeliveriesAsync()).Select(v => v.Delivery).ToList();
    }

    /// <summary>One run of the delivery job: no tenant, like a job.</summary>
    private async Task<int> DeliverDueAsync()
    {
        await using var scope = _db.Scope();
        return await scope.ServiceProvider.GetRequiredService<WebhookDispatcher>().DeliverDueAsync(CancellationToken.None);
    }
}

public sealed class WebhookDeliveryOnPostgresTests : WebhookDeliveryTests<PostgresDatabase>;

public sealed class WebhookDeliveryOnSqliteTests : WebhookDeliveryTests<SqliteDatabase>;
