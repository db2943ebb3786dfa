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
}
