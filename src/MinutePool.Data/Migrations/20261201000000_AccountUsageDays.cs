using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MinutePool.Data.Migrations;

/// <summary>
/// Account-wide daily usage (<see cref="Core.Billing.AccountUsageDay"/>), filled from the existing buckets and from
/// then on kept equal to them by triggers on <c>usage_buckets</c>: every writer of buckets (a call's end, a group of
/// ends, an import, the demo seed) updates them in the same statement and transaction, with no code of its own.
/// PostgreSQL: one statement-level trigger per event, summing the statement's changed rows (its transition tables)
/// per day and slot and adding them in key order, after the statement's buckets; every transaction writes its
/// buckets in one statement, so writers take bucket rows before day rows and in key order within each, and cannot
/// deadlock on them. SQLite (one writer at a time): row-level triggers.
/// </summary>
[DbContext(typeof(MinutePoolDbContext))]
[Migration("20261201000000_AccountUsageDays")]
public sealed class AccountUsageDays : Migration
{
    public static readonly (string Table, string AccountColumn) TenantTable = ("account_usage_days", "account_id");

    private const string Columns = "account_id, local_date, slot, billed_seconds, calls";

    /// <summary>Adds signed rows (<c>Columns</c>) to the days they belong to.</summary>
    private const string AddTo = """
        ON CONFLICT (account_id, local_date, slot)
        DO UPDATE SET billed_seconds = account_usage_days.billed_seconds + excluded.billed_seconds,
                      calls = account_usage_days.calls + excluded.calls
        """;

    /// <summary>PostgreSQL: each event, its transition tables, and its change to the buckets as signed rows.</summary>
    private static readonly (string Event, string Tables, string Change)[] PostgresEvents =
    [
        ("insert", "NEW TABLE AS added", $"SELECT {Columns} FROM added"),
        ("update", "OLD TABLE AS removed NEW TABLE AS added",
            $"SELECT {Columns} FROM added UNION ALL SELECT account_id, local_date, slot, -billed_seconds AS billed_seconds, -calls AS calls FROM removed"),
        ("delete", "OLD TABLE AS removed", "SELECT account_id, local_date, slot, -billed_seconds AS billed_seconds, -calls AS calls FROM removed"),
    ];

    /// <summary>SQLite: each event and the rows it adds (NEW) or takes away (OLD), one upsert each.</summary>
    private static readonly (string Event, string[] Rows)[] SqliteEvents =
    [
        ("insert", ["NEW.account_id, NEW.local_date, NEW.slot, NEW.billed_seconds, NEW.calls"]),
        ("update", ["OLD.account_id, OLD.local_date, OLD.slot, -OLD.billed_seconds, -OLD.calls", "NEW.account_id, NEW.local_date, NEW.slot, NEW.billed_seconds, NEW.calls"]),
        ("delete", ["OLD.account_id, OLD.local_date, OLD.slot, -OLD.billed_seconds, -OLD.calls"]),
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: TenantTable.Table,
            columns: table => new
            {
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                localDate = table.Column<DateOnly>(name: "local_date", nullable: false),
                slot = table.Column<short>(name: "slot", nullable: false),
                billedSeconds = table.Column<long>(name: "billed_seconds", nullable: false),
                calls = table.Column<long>(name: "calls", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_account_usage_days", x => new { x.accountId, x.localDate, x.slot });
                table.ForeignKey(
                    name: "FK_account_usage_days_accounts_account_id",
                    column: x => x.accountId,
                    principalTable: "accounts",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        // No bucket may change between the copy and the triggers (PostgreSQL runs a migration in one transaction).
        if (migrationBuilder.IsNpgsql())
        {
            migrationBuilder.Sql("LOCK TABLE usage_buckets IN SHARE ROW EXCLUSIVE MODE;");
        }

        migrationBuilder.Sql($"""
            INSERT INTO account_usage_days ({Columns})
            SELECT account_id, local_date, slot, sum(billed_seconds), sum(calls) FROM usage_buckets
            GROUP BY account_id, local_date, slot;
            """);

        CreateTriggers(migrationBuilder);
        if (migrationBuilder.IsNpgsql())
        {
            RowLevelSecurityPolicies.Enable(migrationBuilder, TenantTable.Table, TenantTable.AccountColumn);
        }
    }

    /// <summary>This migration's triggers on the buckets (also what the PoolUsageDays migration restores going down).</summary>
    internal static void CreateTriggers(MigrationBuilder migrationBuilder)
    {
        if (migrationBuilder.IsNpgsql())
        {
            foreach (var (e, tables, change) in PostgresEvents)
            {
                migrationBuilder.Sql($"""
                    CREATE OR REPLACE FUNCTION account_usage_days_after_{e}() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN
                        INSERT INTO account_usage_days ({Columns})
                        SELECT c.account_id, c.local_date, c.slot, sum(c.billed_seconds), sum(c.calls)
                        FROM ({change}) AS c
                        GROUP BY c.account_id, c.local_date, c.slot
                        ORDER BY c.account_id, c.local_date, c.slot
                        {AddTo};
                        RETURN NULL;
                    END
                    $$;
                    """);
                migrationBuilder.Sql($"DROP TRIGGER IF EXISTS account_usage_days_after_{e} ON usage_buckets;");
                migrationBuilder.Sql($"""
                    CREATE TRIGGER account_usage_days_after_{e} AFTER {e.ToUpperInvariant()} ON usage_buckets
                    REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION account_usage_days_after_{e}();
                    """);
            }

            return;
        }

        foreach (var (e, rows) in SqliteEvents)
        {
            var upserts = string.Concat(rows.Select(row => $"INSERT INTO account_usage_days ({Columns}) VALUES ({row}) {AddTo};\n"));
            migrationBuilder.Sql($"DROP TRIGGER IF EXISTS account_usage_days_after_{e};");
            migrationBuilder.Sql($"CREATE TRIGGER account_usage_days_after_{e} AFTER {e.ToUpperInvariant()} ON usage_buckets BEGIN\n{upserts}END;");
        }
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        foreach (var (e, _, _) in PostgresEvents)
        {
            migrationBuilder.Sql($"DROP TRIGGER IF EXISTS account_usage_days_after_{e}{(migrationBuilder.IsNpgsql() ? " ON usage_buckets" : "")};");
            if (migrationBuilder.IsNpgsql())
            {
                migrationBuilder.Sql($"DROP FUNCTION IF EXISTS account_usage_days_after_{e}();");
            }
        }

        migrationBuilder.DropTable(name: TenantTable.Table);
    }
}
