using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Accounts;
using MinutePool.Core.Billing;
using MinutePool.Core.Common;
using MinutePool.Core.Plans;
using MinutePool.Data.Auditing;
using MinutePool.Data.Tenancy;

namespace MinutePool.Data.Accounts;

public sealed record CreateAccountCommand(string Name, string PlanCode, string TimeZone, int? BillingDay);

public sealed record CreatedAccount(Account Account, string PlanCode, string ApiKey);

/// <summary>A plan change that is recorded but not yet in force.</summary>
public sealed record PendingPlanChange(string PlanCode, DateTimeOffset EffectiveAt);

/// <summary>An account's figures for the current cycle, as the API and the UI show them.</summary>
public sealed record AccountSummary(
    Account Account,
    Plan Plan,
    Period Cycle,
    ScopeBalance Balance,
    long AllocatedMinutes,
    long UnallocatedMinutes,
    PendingPlanChange? PendingPlanChange)
{
    public string PlanCode => Plan.Code;
}

/// <summary>Accounts: creation (operator), distribution, plan changes and the account summary.</summary>
public sealed class AccountService(MinutePoolDbContext db, TenantContext tenant, TimeProvider clock)
{
    public async Task<Result<CreatedAccount>> CreateAsync(CreateAccountCommand command, string actor, CancellationToken cancellationToken = default)
    {
        if ((AccountRules.CheckName(command.Name) ?? AccountRules.CheckTimeZone(command.TimeZone) ?? AccountRules.CheckBillingDay(command.BillingDay)) is { } invalid)
        {
            return invalid;
        }

        var plan = await db.Plans.AsNoTracking().SingleOrDefaultAsync(p => p.Code == command.PlanCode, cancellationToken);
        if (plan is null)
        {
            return DomainError.Validation("planCode", $"There is no plan '{command.PlanCode}'.");
        }

        var now = clock.GetUtcNow();
        var zone = AccountTimeZone.Parse(command.TimeZone);
        var account = new Account
        {
            Name = command.Name.Trim(),
            TimeZoneId = zone.Id,
            BillingDay = command.BillingDay ?? zone.DayOfMonth(now),
            CreatedAt = now,
        };
        tenant.Set(account.Id);
        db.Accounts.Add(account);
        db.AccountPlanChanges.Add(new AccountPlanChange { AccountId = account.Id, EffectiveAt = now, PlanId = plan.Id, RequestedAt = now });
        var (key, plainKey) = ApiKey.Create(account.Id, "Default key", now);
        db.ApiKeys.Add(key);
        AuditTrail.Record(db, account.Id, actor, "account.created", $"account:{account.Id}", null,
            new { account.Name, PlanCode = plan.Code, account.TimeZoneId, account.BillingDay }, now);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedAccount(account, plan.Code, plainKey);
    }

    public async Task<AccountSummary?> SummaryAsync(CancellationToken cancellationToken = default)
    {
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        return state is null ? null : await SummaryAsync(state, cancellationToken);
    }

    public async Task<AccountSummary> SummaryAsync(AccountState state, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var scope = BalanceRules.AccountScope(state, now);
        var balance = await Billing.BalanceReader.EvaluateAsync(db, scope, cancellationToken);
        var plan = state.Plans.PlanFor(scope.Period);
        var pending = state.Plans.PendingAfter(now) is { } p ? new PendingPlanChange(p.Plan.Code, p.EffectiveAt) : null;
        return new AccountSummary(state.Account, plan, scope.Period, balance, state.AllocatedMinutes, state.UnallocatedMinutes(scope.Period), pending);
    }

    public async Task<Result<AccountSummary>> SetDistributionAsync(bool enabled, string actor, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccountStateReader.LockAsync(db, cancellationToken);
        var account = await db.Accounts.SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return DomainError.NotFound("The account");
        }

        if (account.DistributionEnabled != enabled)
        {
            AuditTrail.Record(db, account.Id, actor, "account.distribution_changed", $"account:{account.Id}",
                new { DistributionEnabled = account.DistributionEnabled }, new { DistributionEnabled = enabled }, clock.GetUtcNow());
            account.DistributionEnabled = enabled;
            await db.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (await SummaryAsync(cancellationToken))!;
    }

    /// <summary>Sets the usage thresholds that notify (percent of a scope's minutes), e.g. "50, 80, 100".</summary>
    public async Task<Result<IReadOnlyList<int>>> SetThresholdsAsync(string? input, string actor, CancellationToken cancellationToken = default)
    {
        var parsed = Core.Notifications.ThresholdRules.ParseInput(input);
        if (!parsed.IsSuccess)
        {
            return parsed;
        }

        var account = await db.Accounts.SingleOrDefaultAsync(cancellationToken);
        if (account is null)
        {
            return DomainError.NotFound("The account");
        }

        var value = string.Join(',', parsed.Value);
        if (account.ThresholdPercents != value)
        {
            AuditTrail.Record(db, account.Id, actor, "account.thresholds_changed", $"account:{account.Id}",
                new { ThresholdPercents = account.ThresholdPercents }, new { ThresholdPercents = value }, clock.GetUtcNow());
            account.ThresholdPercents = value;
            await db.SaveChangesAsync(cancellationToken);
        }

        return parsed;
    }

    /// <summary>
    /// Upgrades take effect at once for the whole current cycle; downgrades from the next cycle's start,
    /// refused while allocations exceed the new plan. A new request replaces a pending one.
    /// </summary>
    public async Task<Result<PlanChangeDecision>> ChangePlanAsync(string planCode, string actor, CancellationToken cancellationToken = default)
    {
        var requested = await db.Plans.AsNoTracking().SingleOrDefaultAsync(p => p.Code == planCode, cancellationToken);
        if (requested is null)
        {
            return DomainError.Validation("planCode", $"There is no plan '{planCode}'.");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await AccountStateReader.LockAsync(db, cancellationToken);
        var state = await AccountStateReader.LoadAsync(db, cancellationToken);
        if (state is null)
        {
            return DomainError.NotFound("The account");
        }

        var now = clock.GetUtcNow();
        var cycle = state.CycleAt(now);
        var current = state.Plans.PlanFor(cycle);
        var decision = PlanSchedule.Decide(current, requested, cycle, state.AllocatedMinutes, now);
        if (!decision.IsSuccess)
        {
            return decision;
        }

        var pending = await db.AccountPlanChanges.Where(c => c.EffectiveAt > now).ToListAsync(cancellationToken);
        db.AccountPlanChanges.RemoveRange(pending);
        if (requested.Id != current.Id)
        {
            // A change already recorded for the same instant is superseded rather than duplicated.
            var sameInstant = await db.AccountPlanChanges.SingleOrDefaultAsync(c => c.EffectiveAt == decision.Value.EffectiveAt, cancellationToken);
            if (sameInstant is null)
            {
                db.AccountPlanChanges.Add(new AccountPlanChange
                {
                    AccountId = state.Account.Id,
                    EffectiveAt = decision.Value.EffectiveAt,
                    PlanId = requested.Id,
                    RequestedAt = now,
                });
            }
            else
            {
                sameInstant.PlanId = requested.Id;
                sameInstant.RequestedAt = now;
            }
        }

        AuditTrail.Record(db, state.Account.Id, actor, "plan.changed", $"account:{state.Account.Id}",
            new { PlanCode = current.Code }, new { PlanCode = requested.Code, Effective = decision.Value.Timing.ToString(), decision.Value.EffectiveAt }, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return decision;
    }
}
