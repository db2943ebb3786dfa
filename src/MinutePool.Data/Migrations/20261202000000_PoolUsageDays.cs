using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MinutePool.Data.Migrations;

/// <summary>
/// The unallocated pool's usage per account day (<see cref="Core.Billing.AccountUsageDay.PoolBilledSeconds"/>):
/// the part of a day billed to workspaces that hold no allocation (none set, or archived). A distributing account's
/// pool balance, read on every call start and balance read of such a workspace, was the account's days less every
/// allocation-holding workspace's buckets (2.3 ms a read in the benchmark); now it is a row per day.
/// <para>
/// Two kinds of trigger keep it, so no writer can forget it: the buckets' triggers classify each changed bucket by
/// its workspace as the statement finds it; a workspace's trigger moves its whole history in or out of the pool when
/// it gains or loses its allocation or is archived or restored (rare: an owner's save).
/// </para>
/// <para>
/// The two must not interleave (PostgreSQL): a writer that classified a bucket by the old allocation and commits
/// after the workspace moved its history would leave that bucket on the wrong side. So per account, a transaction
/// advisory lock: bucket writers hold it shared (taken before they read the workspaces, in account order), the move
/// takes it exclusively, so it waits for the writers in flight to commit and reads their buckets, and later writers
/// wait for the move to commit and read the new allocation. Bucket writers never wait on each other for it, and
/// take no other lock after it, so they cannot deadlock with a move. SQLite (one writer at a time) needs none.
/// </para>
/// </summary>
[DbContext(typeof(MinutePoolDbContext))]
[Migration("20261202000000_PoolUsageDays")]
public sealed class PoolUsageDays : Migration
{
    /// <summary>The advisory lock's first key (its class: "MP"), the second being a hash of the account id.</summary>
    private const int PoolLockClass = 0x4D50;

    /// <summary>Whether a workspace row <c>w</c> draws on the unallocated pool (the complement of AccountState.Allocated's filter).</summary>
    private static string InPool(string w) => $"({w}.allocation_minutes IS NULL OR {w}.archived_at IS NOT NULL)";

    /// <summary>
    /// Whether the workspace of bucket row <c>b</c> draws on the pool, read by the workspaces' primary key, row by row:
    /// a scalar subquery, because joined, the plan cached for the trigger hashed a sequential scan of every workspace
    /// under the row-level policy (0.3 ms an end statement with 550 workspaces; measured with auto_explain).
    /// </summary>
    private static string WorkspaceInPool(string b) =>
        $"SELECT {InPool("w")} FROM workspaces AS w WHERE w.account_id = {b}.account_id AND w.id = {b}.workspace_id";

    private const string DayColumns = "account_id, local_date, slot, billed_seconds, calls, pool_billed_seconds";

    private const string AddTo = """
        ON CONFLICT (account_id, local_date, slot)
        DO UPDATE SET billed_seconds = account_usage_days.billed_seconds + excluded.billed_seconds,
                      calls = account_usage_days.calls + excluded.calls,
                      pool_billed_seconds = account_usage_days.pool_billed_seconds + excluded.pool_billed_seconds
        """;

    private const string BucketColumns = "account_id, workspace_id, local_date, slot, billed_seconds, calls";

    private const string Negated = "account_id, workspace_id, local_date, slot, -billed_seconds AS billed_seconds, -calls AS calls";

    /// <summary>PostgreSQL: each event, its transition tables, and its change to the buckets as signed rows.</summary>
    private static readonly (string Event, string Tables, string Change)[] PostgresEvents =
    [
        ("insert", "NEW TABLE AS added", $"SELECT {BucketColumns} FROM added"),
        ("update", "OLD TABLE AS removed NEW TABLE AS added", $"SELECT {BucketColumns} FROM added UNION ALL SELECT {Negated} FROM removed"),
        ("delete", "OLD TABLE AS removed", $"SELECT {Negated} FROM removed"),
    ];

    /// <summary>SQLite: each event and the rows it adds (NEW, +) or takes away (OLD, -).</summary>
    private static readonly (string Event, (string Row, string Sign)[] Rows)[] SqliteEvents =
    [
        ("insert", [("NEW", "")]),
        ("update", [("OLD", "-"), ("NEW", "")]),
        ("delete", [("OLD", "-")]),
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<long>(name: "pool_billed_seconds", table: "account_usage_days", nullable: false, defaultValue: 0L);

        // No bucket or allocation may change between the copy and the triggers (PostgreSQL runs a migration in one transaction).
        if (migrationBuilder.IsNpgsql())
        {
            migrationBuilder.Sql("LOCK TABLE usage_buckets, workspaces IN SHARE ROW EXCLUSIVE MODE;");
        }

        migrationBuilder.Sql($"""
            UPDATE account_usage_days SET pool_billed_seconds = coalesce((
                SELECT sum(b.billed_seconds) FROM usage_buckets AS b
                JOIN workspaces AS w ON w.account_id = b.account_id AND w.id = b.workspace_id
                WHERE b.account_id = account_usage_days.account_id AND b.local_date = account_usage_days.local_date
                  AND b.slot = account_usage_days.slot AND {InPool("w")}), 0);
            """);

        if (migrationBuilder.IsNpgsql())
        {
            CreatePostgresTriggers(migrationBuilder);
        }
        else
        {
            CreateSqliteTriggers(migrationBuilder);
        }
    }

    private static void CreatePostgresTriggers(MigrationBuilder migrationBuilder)
    {
        // The buckets' triggers stay as the AccountUsageDays migration made them; their functions now also classify.
        CreatePostgresBucketFunctions(migrationBuilder, skipEmptyInsert: false);

        migrationBuilder.Sql($"""
            CREATE FUNCTION account_usage_days_move_pool() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock({PoolLockClass}, hashtext(NEW.account_id::text));
                UPDATE account_usage_days AS d
                SET pool_billed_seconds = d.pool_billed_seconds + CASE WHEN {InPool("NEW")} THEN b.seconds ELSE -b.seconds END
                FROM (SELECT local_date, slot, sum(billed_seconds) AS seconds FROM usage_buckets
                      WHERE account_id = NEW.account_id AND workspace_id = NEW.id GROUP BY local_date, slot) AS b
                WHERE d.account_id = NEW.account_id AND d.local_date = b.local_date AND d.slot = b.slot;
                RETURN NULL;
            END
            $$;
            """);
        migrationBuilder.Sql($"""
            CREATE TRIGGER account_usage_days_move_pool AFTER UPDATE OF allocation_minutes, archived_at ON workspaces
            FOR EACH ROW WHEN ({InPool("OLD")} IS DISTINCT FROM {InPool("NEW")}) EXECUTE FUNCTION account_usage_days_move_pool();
            """);
    }

    /// <summary>
    /// PostgreSQL: the buckets' statement-trigger functions, which add each statement's change to the account's days and
    /// their pool part. With <paramref name="skipEmptyInsert"/>, the insert's returns at once when its statement inserted
    /// no bucket (<see cref="BucketTriggersSkipEmpty"/>); the functions are otherwise the same.
    /// </summary>
    internal static void CreatePostgresBucketFunctions(MigrationBuilder migrationBuilder, bool skipEmptyInsert)
    {
        foreach (var (e, _, change) in PostgresEvents)
        {
            var skip = skipEmptyInsert && e == "insert" ? $"\n    IF NOT EXISTS ({change}) THEN RETURN NULL; END IF;" : "";
            migrationBuilder.Sql($"""
                CREATE OR REPLACE FUNCTION account_usage_days_after_{e}() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE changed_account uuid;
                BEGIN{skip}
                    FOR changed_account IN SELECT DISTINCT c.account_id FROM ({change}) AS c ORDER BY 1 LOOP
                        PERFORM pg_advisory_xact_lock_shared({PoolLockClass}, hashtext(changed_account::text));
                    END LOOP;
                    INSERT INTO account_usage_days ({DayColumns})
                    SELECT c.account_id, c.local_date, c.slot, sum(c.billed_seconds), sum(c.calls),
                           coalesce(sum(c.billed_seconds) FILTER (WHERE coalesce(({WorkspaceInPool("c")}), true)), 0)
                    FROM ({change}) AS c
                    GROUP BY c.account_id, c.local_date, c.slot
                    ORDER BY c.account_id, c.local_date, c.slot
                    {AddTo};
                    RETURN NULL;
                END
                $$;
                """);
        }
    }

    private static void CreateSqliteTriggers(MigrationBuilder migrationBuilder)
    {
        foreach (var (e, rows) in SqliteEvents)
        {
            var upserts = string.Concat(rows.Select(r => $"""
                INSERT INTO account_usage_days ({DayColumns})
                VALUES ({r.Row}.account_id, {r.Row}.local_date, {r.Row}.slot, {r.Sign}{r.Row}.billed_seconds, {r.Sign}{r.Row}.calls,
                    CASE WHEN coalesce(({WorkspaceInPool(r.Row)}), 1) THEN {r.Sign}{r.Row}.billed_seconds ELSE 0 END)
                {AddTo};

                """));
            migrationBuilder.Sql($"DROP TRIGGER IF EXISTS account_usage_days_after_{e};");
            migrationBuilder.Sql($"CREATE TRIGGER account_usage_days_after_{e} AFTER {e.ToUpperInvariant()} ON usage_buckets BEGIN\n{upserts}END;");
        }

        const string Bucket = """
            FROM usage_buckets AS b WHERE b.account_id = NEW.account_id AND b.workspace_id = NEW.id
              AND b.local_date = account_usage_days.local_date AND b.slot = account_usage_days.slot
            """;
        migrationBuilder.Sql($"""
            CREATE TRIGGER account_usage_days_move_pool AFTER UPDATE OF allocation_minutes, archived_at ON workspaces
            WHEN {InPool("OLD")} <> {InPool("NEW")}
            BEGIN
            UPDATE account_usage_days
            SET pool_billed_seconds = pool_billed_seconds + (CASE WHEN {InPool("NEW")} THEN 1 ELSE -1 END) * (SELECT sum(b.billed_seconds) {Bucket})
            WHERE account_id = NEW.account_id AND EXISTS (SELECT 1 {Bucket});
            END;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.Sql($"DROP TRIGGER IF EXISTS account_usage_days_move_pool{(migrationBuilder.IsNpgsql() ? " ON workspaces" : "")};");
        if (migrationBuilder.IsNpgsql())
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS account_usage_days_move_pool();");
        }

        // The buckets' triggers as they were, before the column they no longer fill goes.
        AccountUsageDays.CreateTriggers(migrationBuilder);
        if (migrationBuilder.IsNpgsql())
        {
            migrationBuilder.DropColumn(name: "pool_billed_seconds", table: "account_usage_days");
        }
        else
        {
            // EF's SQLite generator refuses a DropColumn here (it would rebuild the table); SQLite 3.35+ drops a column itself.
            migrationBuilder.Sql("ALTER TABLE account_usage_days DROP COLUMN pool_billed_seconds;");
        }
    }
}
