using MinutePool.Core.Billing;
using MinutePool.Core.Workspaces;

namespace MinutePool.Data.Tenancy;

/// <summary>
/// The account the current request or job acts for. Every tenant-owned query is filtered by it;
/// with no account set, such queries return nothing (a forgotten tenant fails closed).
/// </summary>
public sealed class TenantContext
{
    public Guid? AccountId { get; private set; }

    public void Set(Guid accountId)
    {
        if (AccountId is { } current && current != accountId)
        {
            throw new InvalidOperationException("The tenant of a scope cannot change once set.");
        }

        AccountId = accountId;
    }

    private AccountState? _preloaded;

    /// <summary>
    /// The account's state, read in the same query as the request's API key (call start, call end and balance
    /// read each need it first thing; reading it with the key saves them a round trip). It serves the first
    /// <see cref="Accounts.AccountStateReader.LoadAsync"/> of the request only: anything later reads afresh.
    /// </summary>
    public void Preload(AccountState state) =>
        _preloaded = state.Account.Id == AccountId ? state : throw new InvalidOperationException("A preloaded state must be the tenant's.");

    private Workspace? _preloadedWorkspace;

    /// <summary>
    /// The workspace the request names (call start, balance read), read in the same query as the API key; it serves the
    /// first <see cref="Workspaces.WorkspaceLookup.ByIdAsync"/> of that id in the request only.
    /// </summary>
    public void Preload(Workspace workspace) =>
        _preloadedWorkspace = workspace.AccountId == AccountId ? workspace : throw new InvalidOperationException("A preloaded workspace must be the tenant's.");

    /// <summary>The preloaded workspace with this id, once; null when there is none, it was taken, or its id differs.</summary>
    public Workspace? TakePreloaded(Guid workspaceId)
    {
        var workspace = _preloadedWorkspace?.Id == workspaceId ? _preloadedWorkspace : null;
        _preloadedWorkspace = workspace is null ? _preloadedWorkspace : null;
        return workspace;
    }

    /// <summary>The preloaded state, once; null when there is none or it was taken.</summary>
    public AccountState? TakePreloaded()
    {
        var state = _preloaded;
        _preloaded = null;
        return state;
    }

    /// <summary>
    /// True while system work reads or writes across accounts (sign-in finding a person's accounts, jobs,
    /// provisioning). Only PostgreSQL row-level security looks at it; the EF filters are bypassed explicitly
    /// with IgnoreQueryFilters where such work needs it.
    /// </summary>
    public bool AllAccounts { get; private set; }

    /// <summary>Marks the work until disposal as cross-account (see <see cref="AllAccounts"/>); connections opened meanwhile carry it.</summary>
    public IDisposable AcrossAccounts()
    {
        var before = AllAccounts;
        AllAccounts = true;
        return new Restore(() => AllAccounts = before);
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
