using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MinutePool.Core.Common;
using MinutePool.Data;
using MinutePool.Data.Calls;
using MinutePool.Data.Workspaces;
using MinutePool.IntegrationTests.Infrastructure;

namespace MinutePool.IntegrationTests.Tenancy;

/// <summary>A query made for account A never returns account B's rows, and A cannot act on B's ids.</summary>
public abstract class TenantIsolationTests<TDatabase> : IAsyncLifetime
    where TDatabase : TestDatabase, new()
{
    private readonly TDatabase _db = new();
    private Guid _a;
    private Guid _b;
    private Guid _workspaceOfB;

    public async Task InitializeAsync()
    {
        await _db.InitializeAsync();
        await _db.PlanAsync("p100", 100);
        _a = await _db.AccountAsync("p100", distribution: true, name: "A");
        _b = await _db.AccountAsync("p100", distribution: true, name: "B");
        await _db.WorkspaceAsync(_a, "A's workspace", allocation: 10);
        _workspaceOfB = (await _db.WorkspaceAsync(_b, "B's workspace", allocation: 20)).Workspace.Id;
        await _db.CallAsync(_b, _workspaceOfB, "b-call", _db.Clock.Now.AddHours(-1), 300);
        Seed.Ok(await _db.StartAsync(_b, "b-live", _workspaceOfB));
    }

    public Task DisposeAsync() => _db.DisposeAsync();

    [Fact]
    public async Task Every_tenant_owned_table_queried_for_A_returns_only_A_rows()
    {
        await using var scope = _db.Scope(_a);
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();

        (await db.Accounts.Select(a => a.Id).ToListAsync()).Should().Equal(_a);
        (await db.Workspaces.Select(w => w.AccountId).Distinct().ToListAsync()).Should().Equal(_a);
        (await db.AccountPlanChanges.Select(c => c.AccountId).Distinct().ToListAsync()).Should().Equal(_a);
        (await db.AuditEntries.Select(e => e.AccountId).Distinct().ToListAsync()).Should().Equal(_a);
        (await db.Calls.ToListAsync()).Should().BeEmpty();
        (await db.UsageBuckets.ToListAsync()).Should().BeEmpty();
        (await db.Memberships.ToListAsync()).Should().BeEmpty();
    }

    [Fact]
    public async Task Without_a_tenant_no_tenant_owned_row_is_visible()
    {
        await using var scope = _db.Scope();
        var db = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();

        (await db.Accounts.CountAsync()).Should().Be(0);
        (await db.Workspaces.CountAsync()).Should().Be(0);
        (await db.Calls.CountAsync()).Should().Be(0);
        (await db.Accounts.IgnoreQueryFilters().CountAsync()).Should().Be(2, "the rows exist; the filter hides them");
    }

    [Fact]
    public async Task A_pooled_context_that_served_B_sees_nothing_in_the_next_scope_without_a_tenant()
    {
        MinutePoolDbContext served;
        await using (var scope = _db.Scope(_b))
        {
            served = scope.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
            (await served.Workspaces.Select(w => w.AccountId).Distinct().ToListAsync()).Should().Equal(_b);
        }

        // Contexts are pooled: rent until the one that just served B comes back (the pool hands out the last returned first).
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using var next = _db.Scope();
            var db = next.ServiceProvider.GetRequiredService<MinutePoolDbContext>();
            db.CurrentAccountId.Should().Be(Guid.Empty);
            (await db.Workspaces.CountAsync()).Should().Be(0, "a scope without a tenant sees nothing, whoever used the context before");
            if (ReferenceEquals(db, served))
            {
                return;
            }
        }

        Assert.Fail("The context was not pooled: no later scope received the instance that served B.");
    }

    [Fact]
    public async Task A_cannot_read_edit_archive_or_charge_Bs_workspace_or_calls_and_B_is_unchanged()
    {
        await using (var scope = _db.Scope(_a))
        {
            var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
            var ledger = scope.ServiceProvider.GetRequiredService<CallLedger>();
            (await workspaces.GetAsync(_workspaceOfB)).Should().BeNull();
            (await workspaces.UpdateAsync(_workspaceOfB, new WorkspacePatch(Optional<string>.Of("hijacked"), default, Optional<int?>.Of(1), default, default), "a")).Error!.Code.Should().Be(ErrorCodes.NotFound);
            (await workspaces.ArchiveAsync(_workspaceOfB, "a")).Error!.Code.Should().Be(ErrorCodes.NotFound);
            (await workspaces.RotatePasscodeAsync(_workspaceOfB, "a")).Error!.Code.Should().Be(ErrorCodes.NotFound);
            (await ledger.StartAsync(new StartCallCommand("a-call", _workspaceOfB, null, null, null, null))).Error!.Code.Should().Be(ErrorCodes.NotFound);
            (await ledger.EndAsync("b-live", null)).Error!.Code.Should().Be(ErrorCodes.CallNotFound);
            (await ledger.HeartbeatAsync("b-live"))!.Code.Should().Be(ErrorCodes.CallNotFound);
            var import = Seed.Ok(await ledger.ImportAsync([new ImportRecord("b-call", _workspaceOfB, _db.Clock.Now.AddHours(-1), _db.Clock.Now, null)]));
            import.Rejected.Should().ContainSingle().Which.Code.Should().Be(ErrorCodes.NotFound);
        }

        var b = await _db.WorkspaceAsync(_b, _workspaceOfB);
        b.Workspace.Name.Should().Be("B's workspace");
        b.Workspace.AllocationMinutes.Should().Be(20);
        b.Workspace.IsArchived.Should().BeFalse();
        b.UsedSeconds.Should().Be(300);
        b.ActiveCalls.Should().Be(1);
    }
}

public sealed class TenantIsolationOnPostgresTests : TenantIsolationTests<PostgresDatabase>;

public sealed class TenantIsolationOnSqliteTests : TenantIsolationTests<SqliteDatabase>;
