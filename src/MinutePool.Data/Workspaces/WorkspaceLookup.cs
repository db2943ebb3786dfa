using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Data.Workspaces;

/// <summary>The current tenant's workspace by id, untracked: what every call start and balance read needs first.</summary>
public static class WorkspaceLookup
{
    /// <summary>The workspace, unless the request read it with its API key (then that copy, once; see TenantContext).</summary>
    public static Task<Workspace?> ByIdAsync(MinutePoolDbContext db, Guid workspaceId, CancellationToken cancellationToken = default) =>
        db.Tenant.TakePreloaded(workspaceId) is { } preloaded ? Task.FromResult<Workspace?>(preloaded) : ById.For(db)(db, workspaceId, cancellationToken);

    // Compiled (see CompiledPerModel for why); the tenant filter still applies, per context.
    private static readonly CompiledPerModel<Func<MinutePoolDbContext, Guid, CancellationToken, Task<Workspace?>>> ById = new(() => EF.CompileAsyncQuery(
        (MinutePoolDbContext db, Guid id, CancellationToken _) => db.Workspaces.AsNoTracking().SingleOrDefault(w => w.Id == id)));
}
