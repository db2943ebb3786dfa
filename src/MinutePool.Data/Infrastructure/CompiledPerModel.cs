using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace MinutePool.Data.Infrastructure;

/// <summary>
/// An EF compiled query, compiled once per model. EF binds a compiled query to the model it first ran against;
/// the app has one model, but PostgreSQL and SQLite have different ones and the tests run both in one process.
/// Why compile at all: the hot paths (every call start, end and balance read) spent a fifth of their CPU on EF
/// preparing the same LINQ again on every execution (walking the expression, looking up the query cache).
/// </summary>
public sealed class CompiledPerModel<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> _compiled = new();

    public TQuery For(DbContext db) => _compiled.GetValue(db.Model, _ => compile());
}
