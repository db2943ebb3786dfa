using MinutePool.Core.Calls;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Billing;
using MinutePool.Data.Tenancy;

namespace MinutePool.IntegrationTests.Tenancy;

/// <summary>
/// The workspace or call read with the API key (call start, balance read, call end) serves the request's first lookup
/// of that id only, and only the tenant's own: the key query reads across accounts before the tenant is set.
/// </summary>
public sealed class PreloadedRowsTests
{
    private readonly TenantContext _tenant = new();
    private readonly Guid _account = Guid.NewGuid();

    public PreloadedRowsTests() => _tenant.Set(_account);

    [Fact]
    public void A_row_of_another_account_is_refused()
    {
        FluentActions.Invoking(() => _tenant.Preload(new Workspace { Id = Guid.NewGuid(), AccountId = Guid.NewGuid() }, null))
            .Should().Throw<InvalidOperationException>();
        FluentActions.Invoking(() => _tenant.Preload(null, new Call { CallId = "c-1", AccountId = Guid.NewGuid() }))
            .Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void A_preloaded_workspace_serves_one_lookup_of_its_own_id()
    {
        var workspace = new Workspace { Id = Guid.NewGuid(), AccountId = _account, Name = "Sales" };
        _tenant.Preload(workspace, null);

        _tenant.TakePreloaded(Guid.NewGuid()).Should().BeNull("another workspace id is read from the database");
        _tenant.TakePreloaded(workspace.Id).Should().BeSameAs(workspace);
        _tenant.TakePreloaded(workspace.Id).Should().BeNull("a later lookup in the request reads afresh");
    }

    [Fact]
    public void A_preloaded_call_serves_one_lookup_of_its_own_id()
    {
        var call = new Call { CallId = "c-1", AccountId = _account };
        _tenant.Preload(null, call);

        _tenant.TakePreloadedCall("c-2").Should().BeNull("another call id is read from the database");
        _tenant.TakePreloadedCall("c-1").Should().BeSameAs(call);
        _tenant.TakePreloadedCall("c-1").Should().BeNull("the re-read after a lost race to end the call reads afresh");
    }

    [Fact]
    public void Preloaded_balance_sums_serve_one_read_of_their_workspace_over_their_dates()
    {
        var workspace = new Workspace { Id = Guid.NewGuid(), AccountId = _account };
        var november = BalanceSumDates.None with { AccountStart = new DateOnly(2026, 11, 1), AccountEnd = new DateOnly(2026, 12, 1) };
        var sums = new PreloadedBalanceSums(workspace.Id, november, 0, 180);
        FluentActions.Invoking(() => _tenant.Preload(new Workspace { Id = Guid.NewGuid(), AccountId = _account }, null, sums))
            .Should().Throw<InvalidOperationException>("sums come only with the workspace they were summed for");
        _tenant.Preload(workspace, null, sums);

        _tenant.TakePreloadedSums(workspace.Id, november with { AccountStart = new DateOnly(2026, 12, 1), AccountEnd = new DateOnly(2027, 1, 1) })
            .Should().BeNull("a balance of other dates is summed afresh");
        _tenant.TakePreloadedSums(workspace.Id, november).Should().BeSameAs(sums);
        _tenant.TakePreloadedSums(workspace.Id, november).Should().BeNull("a later read in the request sums afresh");
    }
}
