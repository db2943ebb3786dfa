using MinutePool.Core.Workspaces;
using MinutePool.Data.Tenancy;

namespace MinutePool.IntegrationTests.Tenancy;

/// <summary>
/// The workspace read with the API key (call start, balance read) serves the request's first lookup of that
/// workspace only, and only the tenant's own: the key query reads across accounts before the tenant is set.
/// </summary>
public sealed class PreloadedWorkspaceTests
{
    [Fact]
    public void A_preloaded_workspace_serves_one_lookup_of_its_own_id_and_only_of_the_tenants_account()
    {
        var tenant = new TenantContext();
        var account = Guid.NewGuid();
        tenant.Set(account);
        var workspace = new Workspace { Id = Guid.NewGuid(), AccountId = account, Name = "Sales" };

        FluentActions.Invoking(() => tenant.Preload(new Workspace { Id = Guid.NewGuid(), AccountId = Guid.NewGuid(), Name = "Foreign" }))
            .Should().Throw<InvalidOperationException>();

        tenant.Preload(workspace);
        tenant.TakePreloaded(Guid.NewGuid()).Should().BeNull("another workspace id is read from the database");
        tenant.TakePreloaded(workspace.Id).Should().BeSameAs(workspace);
        tenant.TakePreloaded(workspace.Id).Should().BeNull("a later lookup in the request reads afresh");
    }
}
