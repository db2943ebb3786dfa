using MinutePool.Core.Workspaces;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Data.Workspaces;

/// <summary>
/// The workspaces this process read with a request's API key (call start, balance read), as read then, so that the next
/// call start there needs no read before its write: the API key filter recalls the workspace from here, with the key and
/// the account's state, and the start's one statement checks that the fields its balance scopes came from still hold
/// (<see cref="Calls.CallWriteBatches.StartCheck"/>). When anything changed, nothing is written and the request is handled
/// again from what the database holds. PostgreSQL only, like <see cref="Calls.CallsStartedHere"/>.
/// A remembered workspace is shared between requests: nothing may change it (it is read without tracking).
/// </summary>
public static class WorkspacesUsedHere
{
    private static readonly ProcessCache<Guid, Workspace> Workspaces = new(Billing.BalanceSumHints.Capacity);

    public static Workspace? Find(Guid workspaceId) => Workspaces.Find(workspaceId);

    /// <summary>
    /// Remembers the workspace as just read, unless this process knows it with the same fields a start's check compares:
    /// every start and balance read that is not recalled passes here, and replacing an equal entry would write to the
    /// shared map each time.
    /// </summary>
    public static void Remember(Workspace workspace)
    {
        if (Find(workspace.Id) is not { } known || known.AccountId != workspace.AccountId || known.ResetDay != workspace.ResetDay
            || known.AllocationMinutes != workspace.AllocationMinutes || known.ArchivedAt != workspace.ArchivedAt
            || known.ConcurrentCallLimit != workspace.ConcurrentCallLimit)
        {
            Workspaces.Remember(workspace.Id, workspace);
        }
    }

    public static void Forget(Guid workspaceId) => Workspaces.Forget(workspaceId);
}
