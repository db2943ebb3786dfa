using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MinutePool.Data.Migrations;

/// <summary>
/// The account's <c>version</c> changes in the transaction of every change to what an account's state holds
/// (<see cref="Core.Billing.AccountState"/>): the account row itself, its plan changes, the minutes its workspaces
/// hold as allocations, and the terms of a plan it is on. So a process that remembers a state with the version it was
/// read at knows, from the version alone, whether the state is still the account's (the API key's query reads only
/// the version; <see cref="Accounts.AccountStateReader"/>). Triggers, so that no writer can forget it, including a
/// person with psql.
/// <para>
/// Before, the version was bumped only by the writers that queue on the account row (allocation saves, plan changes,
/// new workspaces), and it still is; the triggers add the changes that did not queue there. A workspace's change takes
/// the account row only when its allocation held changes (set, resized, removed, archived, restored); inserts and
/// deletes once per statement and account on PostgreSQL (100,000 workspaces inserted at once are one update of their
/// account), updates row by row, and only those of the allocation or the archive date.
/// </para>
/// </summary>
[DbContext(typeof(MinutePoolDbContext))]
[Migration("20261203000000_AccountStateVersions")]
public sealed class AccountStateVersions : Migration
{
    /// <summary>The minutes a workspace row <c>w</c> holds as an allocation (null for none): the AccountState.Allocated filter.</summary>
    private static string Held(string w) => $"(CASE WHEN {w}.archived_at IS NULL THEN {w}.allocation_minutes END)";

    private const string Bump = "UPDATE accounts SET version = version + 1 WHERE id IN";

    /// <summary>
    /// PostgreSQL, per workspace insert or delete statement: its transition table and the accounts whose allocated minutes
    /// it changed. Updates have a row trigger instead (below): a statement trigger with transition tables cannot name
    /// columns, so it would run on every update of a workspace, also the row lock a start of a workspace with a
    /// concurrent-call limit takes by bumping the workspace's version.
    /// </summary>
    private static readonly (string Event, string Tables, string Accounts)[] WorkspaceStatements =
    [
        ("insert", "NEW TABLE AS added", $"SELECT n.account_id FROM added AS n WHERE {Held("n")} IS NOT NULL"),
        ("delete", "OLD TABLE AS removed", $"SELECT o.account_id FROM removed AS o WHERE {Held("o")} IS NOT NULL"),
    ];

    protected override void Up(MigrationBuilder migrationBuilder)
    {
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
        // Any update of the row is a new version, whether or not the writer bumped it itself (LockAsync's own +1 lands on the same number).
        migrationBuilder.Sql("""
            CREATE FUNCTION account_state_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.version := OLD.version + 1;
                RETURN NEW;
            END
            $$;
            CREATE TRIGGER account_state_version BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION account_state_version();
            """);

        foreach (var (e, tables, accounts) in WorkspaceStatements)
        {
            migrationBuilder.Sql($"""
                CREATE FUNCTION account_state_after_workspace_{e}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    {Bump} ({accounts});
                    RETURN NULL;
                END
                $$;
                CREATE TRIGGER account_state_after_workspace_{e} AFTER {e.ToUpperInvariant()} ON workspaces
                REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION account_state_after_workspace_{e}();
                """);
        }

        // Like the pool's move (PoolUsageDays): only updates of the two columns, only when the minutes held change.
        migrationBuilder.Sql($"""
            CREATE FUNCTION account_state_after_workspace_update() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {Bump} (NEW.account_id);
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER account_state_after_workspace_update AFTER UPDATE OF allocation_minutes, archived_at ON workspaces
            FOR EACH ROW WHEN ({Held("OLD")} IS DISTINCT FROM {Held("NEW")}) EXECUTE FUNCTION account_state_after_workspace_update();
            """);

        // Plan changes are few (one per account and switch) and plans are not edited by the app: row triggers.
        migrationBuilder.Sql($"""
            CREATE FUNCTION account_state_after_plan_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN {Bump} (OLD.account_id); END IF;
                IF TG_OP <> 'DELETE' THEN {Bump} (NEW.account_id); END IF;
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER account_state_after_plan_change AFTER INSERT OR UPDATE OR DELETE ON account_plan_changes
            FOR EACH ROW EXECUTE FUNCTION account_state_after_plan_change();

            CREATE FUNCTION account_state_after_plan_update() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                {Bump} (SELECT c.account_id FROM account_plan_changes AS c WHERE c.plan_id = NEW.id);
                RETURN NULL;
            END
            $$;
            CREATE TRIGGER account_state_after_plan_update AFTER UPDATE ON plans
            FOR EACH ROW EXECUTE FUNCTION account_state_after_plan_update();
            """);
    }

    private static void CreateSqliteTriggers(MigrationBuilder migrationBuilder)
    {
        // SQLite has row triggers only, and no BEFORE trigger may change NEW: an update that left the version as it was bumps it
        // after (recursive triggers are off, and that update changes the version anyway).
        migrationBuilder.Sql($"""
            CREATE TRIGGER account_state_version AFTER UPDATE ON accounts WHEN NEW.version = OLD.version
            BEGIN {Bump} (NEW.id); END;
            """);
        migrationBuilder.Sql($"""
            CREATE TRIGGER account_state_after_workspace_insert AFTER INSERT ON workspaces WHEN {Held("NEW")} IS NOT NULL
            BEGIN {Bump} (NEW.account_id); END;
            """);
        migrationBuilder.Sql($"""
            CREATE TRIGGER account_state_after_workspace_update AFTER UPDATE OF allocation_minutes, archived_at ON workspaces
            WHEN {Held("OLD")} IS NOT {Held("NEW")}
            BEGIN {Bump} (NEW.account_id); END;
            """);
        migrationBuilder.Sql($"""
            CREATE TRIGGER account_state_after_workspace_delete AFTER DELETE ON workspaces WHEN {Held("OLD")} IS NOT NULL
            BEGIN {Bump} (OLD.account_id); END;
            """);
        foreach (var (e, rows) in new[] { ("insert", new[] { "NEW" }), ("update", ["OLD", "NEW"]), ("delete", ["OLD"]) })
        {
            migrationBuilder.Sql($"""
                CREATE TRIGGER account_state_after_plan_change_{e} AFTER {e.ToUpperInvariant()} ON account_plan_changes
                BEGIN {string.Concat(rows.Select(r => $"{Bump} ({r}.account_id); "))}END;
                """);
        }

        migrationBuilder.Sql($"""
            CREATE TRIGGER account_state_after_plan_update AFTER UPDATE ON plans
            BEGIN {Bump} (SELECT c.account_id FROM account_plan_changes AS c WHERE c.plan_id = NEW.id); END;
            """);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        if (migrationBuilder.IsNpgsql())
        {
            migrationBuilder.Sql("""
                DROP TRIGGER IF EXISTS account_state_version ON accounts;
                DROP TRIGGER IF EXISTS account_state_after_workspace_insert ON workspaces;
                DROP TRIGGER IF EXISTS account_state_after_workspace_update ON workspaces;
                DROP TRIGGER IF EXISTS account_state_after_workspace_delete ON workspaces;
                DROP TRIGGER IF EXISTS account_state_after_plan_change ON account_plan_changes;
                DROP TRIGGER IF EXISTS account_state_after_plan_update ON plans;
                DROP FUNCTION IF EXISTS account_state_version();
                DROP FUNCTION IF EXISTS account_state_after_workspace_insert();
                DROP FUNCTION IF EXISTS account_state_after_workspace_update();
                DROP FUNCTION IF EXISTS account_state_after_workspace_delete();
                DROP FUNCTION IF EXISTS account_state_after_plan_change();
                DROP FUNCTION IF EXISTS account_state_after_plan_update();
                """);
            return;
        }

        foreach (var trigger in new[]
                 {
                     "account_state_version", "account_state_after_workspace_insert", "account_state_after_workspace_update",
                     "account_state_after_workspace_delete", "account_state_after_plan_change_insert", "account_state_after_plan_change_update",
                     "account_state_after_plan_change_delete", "account_state_after_plan_update",
                 })
        {
            migrationBuilder.Sql($"DROP TRIGGER IF EXISTS {trigger};");
        }
    }
}
