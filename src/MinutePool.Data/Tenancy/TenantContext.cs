using MinutePool.Core.Billing;
using MinutePool.Core.Calls;
using MinutePool.Core.Workspaces;
using MinutePool.Data.Billing;

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
    private Call? _preloadedCall;
    private PreloadedBalanceSums? _preloadedSums;

    /// <summary>
    /// The workspace or call the request names (call start, balance read; call end), read in the same query as the API
    /// key; each serves the first lookup of its id in the request only (<see cref="Workspaces.WorkspaceLookup"/>,
    /// <see cref="Calls.CallLedger"/>): anything later reads afresh. So do the workspace's balance sums
    /// (<see cref="BalanceReader.ForWorkspaceAsync"/>), and only for the dates they were summed over.
    /// </summary>
    public void Preload(Workspace? workspace, Call? call, PreloadedBalanceSums? sums = null)
    {
        if ((workspace is not null && workspace.AccountId != AccountId) || (call is not null && call.AccountId != AccountId)
            || (sums is not null && sums.WorkspaceId != workspace?.Id))
        {
            throw new InvalidOperationException("A preloaded row must be the tenant's.");
        }

        (_preloadedWorkspace, _preloadedCall, _preloadedSums) = (workspace, call, sums);
    }

    /// <summary>The preloaded workspace with this id, once; null when there is none, it was taken, or its id differs.</summary>
    public Workspace? TakePreloaded(Guid workspaceId) => Take(ref _preloadedWorkspace, w => w.Id == workspaceId);

    /// <summary>The preloaded call with this id, once; null when there is none, it was taken, or its id differs.</summary>
    public Call? TakePreloadedCall(string callId) => Take(ref _preloadedCall, c => c.CallId == callId);

    /// <summary>The preloaded sums of this workspace over these dates, once; null otherwise.</summary>
    public PreloadedBalanceSums? TakePreloadedSums(Guid workspaceId, BalanceSumDates dates) =>
        Take(ref _preloadedSums, s => s.WorkspaceId == workspaceId && s.Dates == dates);

    private static T? Take<T>(ref T? preloaded, Func<T, bool> matches)
        where T : class
    {
        var row = preloaded is not null && matches(preloaded) ? preloaded : null;
        preloaded = row is null ? preloaded : null;
        return row;
    }

    /// <summary>
    /// Set when the request's API key, account state and call (an end) or workspace (a start) were recalled from this
    /// process's memory instead of read (<see cref="Calls.CallsStartedHere"/>, <see cref="Workspaces.WorkspacesUsedHere"/>):
    /// the call's write then checks them in its own statement and confirms.
    /// An answer given without that confirmation is thrown away and the request handled again from what the database
    /// holds, so nothing recalled is ever answered or written unchecked.
    /// </summary>
    public WriteTimeCheck? CheckAtWrite { get; private set; }

    public void CheckRecalledAtWrite(WriteTimeCheck check) => CheckAtWrite = check;

    /// <summary>Drops the check and whatever of the recalled rows the request did not take, before it is handled again.</summary>
    public void DiscardRecalled() =>
        (CheckAtWrite, _preloaded, _preloadedWorkspace, _preloadedCall, _preloadedSums) = (null, null, null, null, null);

    /// <summary>The preloaded state, once; null when there is none or it was taken.</summary>
    public AccountState? TakePreloaded() => Take(ref _preloaded, _ => true);

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

/// <summary>
/// What a call start's or end's write must find still true for the recalled rows it was computed from: the API key with
/// this prefix exists, is the account's and is not revoked, and the account is at this version (its state, plan terms
/// included, unchanged); an end's call is checked by its start, a start's workspace by the fields its balance came from
/// (see <see cref="Calls.CallWriteBatches"/>).
/// </summary>
public sealed class WriteTimeCheck(string keyPrefix, long accountVersion)
{
    public string KeyPrefix { get; } = keyPrefix;

    public long AccountVersion { get; } = accountVersion;

    /// <summary>True once a write found everything still true and wrote.</summary>
    public bool Confirmed { get; private set; }

    public void Confirm() => Confirmed = true;
}
