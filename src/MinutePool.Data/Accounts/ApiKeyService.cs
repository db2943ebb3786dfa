using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Common;
using MinutePool.Data.Auditing;

namespace MinutePool.Data.Accounts;

/// <summary>The current tenant's API keys: create (the key is shown once), list, revoke.</summary>
public sealed class ApiKeyService(MinutePoolDbContext db, TimeProvider clock)
{
    public async Task<Result<(ApiKey Key, string PlainText)>> CreateAsync(string name, string actor, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > 200)
        {
            return DomainError.Validation("name", "A key name is 1 to 200 characters.");
        }

        var now = clock.GetUtcNow();
        var (key, plain) = ApiKey.Create(db.CurrentAccountId, name.Trim(), now);
        db.ApiKeys.Add(key);
        AuditTrail.Record(db, key.AccountId, actor, "api_key.created", $"api-key:{key.Prefix}", null, new { key.Name, key.Prefix }, now);
        await db.SaveChangesAsync(cancellationToken);
        return (key, plain);
    }

    /// <summary>API keys are a global table (found by prefix before the tenant is known), so filter by account here.</summary>
    public Task<List<ApiKey>> ListAsync(CancellationToken cancellationToken = default) =>
        db.ApiKeys.AsNoTracking().Where(k => k.AccountId == db.CurrentAccountId).OrderBy(k => k.CreatedAt).ToListAsync(cancellationToken);

    public async Task<Result<ApiKey>> RevokeAsync(string prefix, string actor, CancellationToken cancellationToken = default)
    {
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Prefix == prefix && k.AccountId == db.CurrentAccountId, cancellationToken);
        if (key is null)
        {
            return DomainError.NotFound("The API key");
        }

        if (key.RevokedAt is null)
        {
            var now = clock.GetUtcNow();
            key.RevokedAt = now;
            AuditTrail.Record(db, key.AccountId, actor, "api_key.revoked", $"api-key:{key.Prefix}", new { Revoked = false }, new { Revoked = true }, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        return key;
    }
}
