using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using MinutePool.Data;

namespace MinutePool.IntegrationTests.Schema;

/// <summary>
/// The schema of a database as sorted lines (tables, columns with type and nullability, keys, foreign
/// keys, indexes), leaving out EF's own bookkeeping tables and Quartz's job-store tables (not in our model), so two databases can be compared line by line.
/// </summary>
public static class SchemaSnapshot
{
    public static async Task<List<string>> ReadAsync(MinutePoolDbContext db) =>
        db.IsPostgres ? await PostgresAsync(db) : await SqliteAsync(db);

    private static async Task<List<string>> PostgresAsync(MinutePoolDbContext db)
    {
        var lines = new List<string>();
        lines.AddRange(await QueryAsync(db, """
            SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
                   || coalesce('(' || character_maximum_length || ')', '')
                   || coalesce(' p' || numeric_precision || ',' || numeric_scale, '')
                   || ' nullable=' || is_nullable || ' identity=' || coalesce(identity_generation, 'none')
                   || ' default=' || coalesce(column_default, 'none')
            FROM information_schema.columns
            WHERE table_schema = 'public' AND table_name NOT LIKE '\_\_EF%' AND table_name NOT LIKE 'qrtz\_%'
            """));
        lines.AddRange(await QueryAsync(db, """
            SELECT 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' || c.contype::text || ' ' || pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.connamespace = 'public'::regnamespace AND c.conrelid::regclass::text NOT LIKE '"\_\_EF%' AND c.conrelid::regclass::text NOT LIKE 'qrtz\_%'
            """));
        lines.AddRange(await QueryAsync(db, """
            SELECT 'index ' || indexname || ' ' || indexdef
            FROM pg_indexes
            WHERE schemaname = 'public' AND tablename NOT LIKE '\_\_EF%' AND tablename NOT LIKE 'qrtz\_%'
            """));
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static async Task<List<string>> SqliteAsync(MinutePoolDbContext db)
    {
        var lines = new List<string>();
        var objects = await QueryPairsAsync(db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master WHERE name NOT LIKE '\\_\\_EF%' ESCAPE '\\' AND name NOT LIKE 'sqlite_%'");
        foreach (var (type, name, table, sql) in objects)
        {
            if (type == "table")
            {
                lines.Add($"table {name} autoincrement={sql.Contains("AUTOINCREMENT", StringComparison.Ordinal)}");
                lines.AddRange((await QueryPairsAsync(db, $"SELECT name, type, \"notnull\" || ' pk=' || pk, coalesce(dflt_value, 'none') FROM pragma_table_info('{name}')"))
                    .Select(c => $"column {name}.{c.A} {c.B} notnull={c.C} default={c.D}"));
                lines.AddRange((await QueryPairsAsync(db, $"SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('{name}')"))
                    .Select(f => $"fk {name}.{f.B} -> {f.A}.{f.C} on delete {f.D}"));
            }
            else if (type == "index")
            {
                lines.Add($"index {table}.{name} {sql}");
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static async Task<List<string>> QueryAsync(MinutePoolDbContext db, string sql) =>
        (await QueryPairsAsync(db, sql)).Select(r => r.A).ToList();

    private static async Task<List<(string A, string B, string C, string D)>> QueryPairsAsync(MinutePoolDbContext db, string sql)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await connection.OpenAsync();
        }

        await using DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        var rows = new List<(string, string, string, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            string Field(int i) => i < reader.FieldCount && !reader.IsDBNull(i) ? Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)! : "";
            rows.Add((Field(0), Field(1), Field(2), Field(3)));
        }

        return rows;
    }
}
