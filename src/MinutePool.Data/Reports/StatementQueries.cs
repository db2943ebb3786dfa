using Microsoft.EntityFrameworkCore;
using MinutePool.Core.Billing;

namespace MinutePool.Data.Reports;

public sealed record StatementLine(Statement Line, string Name, string UserId);

public sealed record StatementView(Statement Cycle, IReadOnlyList<StatementLine> Lines, int Revisions);

/// <summary>The current tenant's closed cycle statements: the latest revision with its lines by workspace.</summary>
public sealed class StatementQueries(MinutePoolDbContext db)
{
    /// <summary>The statement of the cycle containing <paramref name="dateInCycle"/> (account-local), or the latest closed one.</summary>
    public async Task<StatementView?> ForCycleAsync(DateOnly? dateInCycle, CancellationToken cancellationToken = default)
    {
        var cycles = db.Statements.AsNoTracking().Where(s => s.Scope == StatementScope.Account);
        if (dateInCycle is { } date)
        {
            cycles = cycles.Where(s => s.StartDate <= date && s.EndDate > date);
        }

        var cycle = await cycles.OrderByDescending(s => s.StartDate).ThenByDescending(s => s.Revision).FirstOrDefaultAsync(cancellationToken);
        if (cycle is null)
        {
            return null;
        }

        var lines = await db.Statements.AsNoTracking()
            .Where(s => s.Scope == StatementScope.CycleLine && s.StartDate == cycle.StartDate && s.Revision == cycle.Revision)
            .Join(db.Workspaces.AsNoTracking(), s => s.SubjectId, w => w.Id, (s, w) => new { s, w.Name, w.UserId })
            .ToListAsync(cancellationToken);
        return new StatementView(
            cycle,
            lines.OrderBy(l => l.Name, StringComparer.OrdinalIgnoreCase).Select(l => new StatementLine(l.s, l.Name, l.UserId)).ToList(),
            cycle.Revision);
    }

    /// <summary>Start dates of every closed cycle, newest first.</summary>
    public Task<List<DateOnly>> ClosedCyclesAsync(CancellationToken cancellationToken = default) =>
        db.Statements.Where(s => s.Scope == StatementScope.Account).Select(s => s.StartDate).Distinct().OrderByDescending(d => d).ToListAsync(cancellationToken);
}
