using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Common;
using MinutePool.Core.Plans;
using MinutePool.Data.Infrastructure;

namespace MinutePool.Data.Plans;

/// <summary>The operator's plan catalogue.</summary>
public sealed class PlanService(MinutePoolDbContext db, TimeProvider clock)
{
    public async Task<Result<Plan>> CreateAsync(Plan plan, CancellationToken cancellationToken = default)
    {
        plan.Code = plan.Code.Trim();
        plan.Name = plan.Name.Trim();
        if (PlanRules.Validate(plan) is { } invalid)
        {
            return invalid;
        }

        if (await db.Plans.AnyAsync(p => p.Code == plan.Code, cancellationToken))
        {
            return Duplicate(plan.Code);
        }

        plan.CreatedAt = clock.GetUtcNow();
        db.Plans.Add(plan);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseOptions.IsUniqueViolation(e))
        {
            db.Entry(plan).State = EntityState.Detached;
            return Duplicate(plan.Code);
        }

        return plan;
    }

    public Task<List<Plan>> ListAsync(CancellationToken cancellationToken = default) =>
        db.Plans.AsNoTracking().OrderBy(p => p.MinutesPerCycle).ThenBy(p => p.Code).ToListAsync(cancellationToken);

    public Task<Plan?> FindAsync(string code, CancellationToken cancellationToken = default) =>
        db.Plans.AsNoTracking().SingleOrDefaultAsync(p => p.Code == code, cancellationToken);

    private static DomainError Duplicate(string code) => new(ErrorCodes.Duplicate, $"A plan with code '{code}' exists already.", "code");
}
