using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using MinutePool.Data.Tenancy;

#nullable disable

namespace MinutePool.Data.Migrations;

/// <summary>
/// Row-level security on every tenant-owned table (PostgreSQL; SQLite has none). A row is visible and
/// writable when its account is the connection's <c>minutepool.account_id</c> or the connection works across
/// accounts (<c>minutepool.all_accounts = on</c>). Policies bind every role except the tables' owner and
/// superusers, so the app connects as a separate role for them to apply (see <see cref="RowLevelSecurity"/>).
/// </summary>
[DbContext(typeof(MinutePoolDbContext))]
[Migration("20261123120000_RowLevelSecurity")]
public sealed class RowLevelSecurityPolicies : Migration
{
    /// <summary>Each tenant-owned table of this migration and the column that holds its account.</summary>
    public static readonly IReadOnlyList<(string Table, string AccountColumn)> TenantTables =
    [
        ("accounts", "id"), ("account_plan_changes", "account_id"), ("memberships", "account_id"), ("workspaces", "account_id"),
        ("calls", "account_id"), ("usage_buckets", "account_id"), ("audit_entries", "account_id"), ("statements", "account_id"),
        ("notifications", "account_id"), ("webhook_deliveries", "account_id"),
    ];

    /// <summary>Every tenant-owned table with a policy: this migration's and those that later migrations add.</summary>
    public static IEnumerable<(string Table, string AccountColumn)> AllTenantTables =>
        TenantTables.Append(AccountUsageDays.TenantTable);

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        if (!migrationBuilder.IsNpgsql())
        {
            return;
        }

        foreach (var (table, column) in TenantTables)
        {
            Enable(migrationBuilder, table, column);
        }
    }

    /// <summary>The tenant policy on one table (PostgreSQL): also for tables that later migrations add.</summary>
    internal static void Enable(MigrationBuilder migrationBuilder, string table, string column)
    {
        var rule = $"current_setting('{Tenancy.RowLevelSecurity.AllAccountsSetting}', true) = 'on' " +
                   $"OR {column} = NULLIF(current_setting('{Tenancy.RowLevelSecurity.AccountSetting}', true), '')::uuid";
        migrationBuilder.Sql($"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;");
        migrationBuilder.Sql($"CREATE POLICY tenant_isolation ON {table} USING ({rule}) WITH CHECK ({rule});");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        if (!migrationBuilder.IsNpgsql())
        {
            return;
        }

        foreach (var (table, _) in TenantTables)
        {
            migrationBuilder.Sql($"DROP POLICY IF EXISTS tenant_isolation ON {table};");
            migrationBuilder.Sql($"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;");
        }
    }
}
