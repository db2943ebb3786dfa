using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Accounts;
using MinutePool.Core.Common;
using MinutePool.Data;
using MinutePool.Data.Accounts;
using MinutePool.Data.Auditing;
using MinutePool.Data.Identity;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.People;

/// <summary>Members and the audit log through the services, on PostgreSQL and SQLite.</summary>
public abstract class MemberAndAuditTests<TDatabase> : IAsyncLifetime
    where TDatabase : TestDatabase, new()
{
    private readonly TDatabase _db = new();
    private Guid _account;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        await _db.PlanAsync("p100", 100);
        _account = await _db.AccountAsync("p100");
    }

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task An_account_keeps_at_least_one_owner()
    {
        var owner = await PersonAsync("owner@example.com");
        await using var scope = _db.Scope(_account);
        var members = scope.ServiceProvider.GetRequiredService<MemberService>();
        Seed.Ok(await members.AddAsync(owner, AccountRole.Owner, null, "test"));

        (await members.ChangeAsync(owner, AccountRole.Finance, null, "test")).Error!.Code.Should().Be(ErrorCodes.ValidationFailed);
        (await members.RemoveAsync(owner, "test"))!.Code.Should().Be(ErrorCodes.ValidationFailed);

        var second = await PersonAsync("second@example.com");
        Seed.Ok(await members.AddAsync(second, AccountRole.Owner, null, "test"));
        Seed.Ok(await members.ChangeAsync(owner, AccountRole.Finance, null, "test")).Role.Should().Be(AccountRole.Finance);
    }

    [Fact]
    public async Task Staff_are_scoped_only_to_an_active_workspace_of_the_same_account()
    {
        var other = await _db.AccountAsync("p100");
        var foreignWorkspace = (await _db.WorkspaceAsync(other)).Workspace.Id;
        var ownWorkspace = (await _db.WorkspaceAsync(_account)).Workspace.Id;
        var person = await PersonAsync("staff@example.com");
        await using var scope = _db.Scope(_account);
        var members = scope.ServiceProvider.GetRequiredService<MemberService>();

        (await members.AddAsync(person, AccountRole.Staff, foreignWorkspace, "test")).Error!.Field.Should().Be("workspaceId");
        Seed.Ok(await members.AddAsync(person, AccountRole.Staff, ownWorkspace, "test")).WorkspaceId.Should().Be(ownWorkspace);
        (await members.AddAsync(person, AccountRole.Finance, null, "test")).Error!.Code.Should().Be(ErrorCodes.Duplicate);
        var options = await members.AccountsOfAsync(person);
        options.Should().ContainSingle().Which.Should().Be(new MembershipOption(_account, "Test account", AccountRole.Staff, ownWorkspace));
    }

    [Fact]
    public async Task The_audit_log_filters_by_action_actor_and_time_newest_first()
    {
        _db.Clock.Advance(TimeSpan.FromHours(1));
        await _db.WorkspaceAsync(_account, "first");
        _db.Clock.Advance(TimeSpan.FromHours(1));
        await using (var scope = _db.Scope(_account))
        {
            Seed.Ok(await scope.ServiceProvider.GetRequiredService<AccountService>().SetDistributionAsync(true, "user:alice@example.com"));
        }

        await using var read = _db.Scope(_account);
        var audit = read.ServiceProvider.GetRequiredService<AuditQueries>();
        var start = _db.Clock.Now.AddHours(-2);

        (await audit.ListAsync(new AuditFilter(null, null, null, null))).Select(e => e.Action)
            .Should().Equal("account.distribution_changed", "workspace.created", "account.created");
        (await audit.ListAsync(new AuditFilter("workspace.", null, null, null))).Should().ContainSingle().Which.Action.Should().Be("workspace.created");
        (await audit.ListAsync(new AuditFilter(null, "alice", null, null))).Should().ContainSingle().Which.Actor.Should().Be("user:alice@example.com");
        (await audit.ListAsync(new AuditFilter(null, null, start.AddMinutes(30), start.AddMinutes(90)))).Should().ContainSingle().Which.Action.Should().Be("workspace.created");
        (await audit.ActionsAsync()).Should().Equal("account.created", "account.distribution_changed", "workspace.created");
    }

    private async Task<Guid> PersonAsync(string email)
    {
        await using var scope = _db.Scope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
        var user = new AppUser { UserName = email, Email = email, NormalizedEmail = email.ToUpperInvariant(), NormalizedUserName = email.ToUpperInvariant(), DisplayName = email, SecurityStamp = Guid.NewGuid().ToString() };
        db.Users.Add(user);
        await db.SaveChangesAsync();
        return user.Id;
    }
}

public sealed class MemberAndAuditOnPostgresTests : MemberAndAuditTests<PostgresDatabase>;

public sealed class MemberAndAuditOnSqliteTests : MemberAndAuditTests<SqliteDatabase>;
