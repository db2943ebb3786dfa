using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace MinutePool.Data.Migrations;

/// <summary>
/// The initial schema, written by hand (EF's design-time package is not in our registry).
/// Column types are left to each provider's mapping of the CLR type, so the same migration creates the
/// PostgreSQL and the SQLite schema; SchemaMatchesModelTests proves both equal what the model creates.
/// Instants are stored as UTC <see cref="DateTime"/> (see UtcDateTimeOffsetConverter).
/// </summary>
[DbContext(typeof(MinutePoolDbContext))]
[Migration("20261122000000_Initial")]
public sealed class Initial : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "accounts",
            columns: table => new
            {
                id = table.Column<Guid>(name: "id", nullable: false),
                name = table.Column<string>(name: "name", nullable: false, maxLength: 200),
                timeZoneId = table.Column<string>(name: "time_zone_id", nullable: false, maxLength: 64),
                billingDay = table.Column<int>(name: "billing_day", nullable: false),
                distributionEnabled = table.Column<bool>(name: "distribution_enabled", nullable: false),
                createdAt = table.Column<DateTime>(name: "created_at", nullable: false),
                version = table.Column<long>(name: "version", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_accounts", x => x.id);
            });

        migrationBuilder.CreateTable(
            name: "passcode_lockouts",
            columns: table => new
            {
                userId = table.Column<string>(name: "user_id", nullable: false, maxLength: 8),
                recentFailures = table.Column<string>(name: "recent_failures", nullable: false, maxLength: 120),
                lockedUntil = table.Column<DateTime>(name: "locked_until", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_passcode_lockouts", x => x.userId);
            });

        migrationBuilder.CreateTable(
            name: "plans",
            columns: table => new
            {
                id = table.Column<Guid>(name: "id", nullable: false),
                code = table.Column<string>(name: "code", nullable: false, maxLength: 64),
                name = table.Column<string>(name: "name", nullable: false, maxLength: 200),
                minutesPerCycle = table.Column<int>(name: "minutes_per_cycle", nullable: false),
                priceAmount = table.Column<decimal>(name: "price_amount", nullable: false, precision: 18, scale: 2),
                currency = table.Column<string>(name: "currency", nullable: false, maxLength: 3),
                billingIncrementSeconds = table.Column<int>(name: "billing_increment_seconds", nullable: false),
                minimumBillableSeconds = table.Column<int>(name: "minimum_billable_seconds", nullable: false),
                concurrentCallLimit = table.Column<int>(name: "concurrent_call_limit", nullable: true),
                maxCallLengthSeconds = table.Column<int>(name: "max_call_length_seconds", nullable: false),
                createdAt = table.Column<DateTime>(name: "created_at", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_plans", x => x.id);
            });

        migrationBuilder.CreateTable(
            name: "users",
            columns: table => new
            {
                id = table.Column<Guid>(name: "id", nullable: false),
                displayName = table.Column<string>(name: "display_name", nullable: false, maxLength: 200),
                createdAt = table.Column<DateTime>(name: "created_at", nullable: false),
                userName = table.Column<string>(name: "user_name", nullable: true, maxLength: 256),
                normalizedUserName = table.Column<string>(name: "normalized_user_name", nullable: true, maxLength: 256),
                email = table.Column<string>(name: "email", nullable: true, maxLength: 256),
                normalizedEmail = table.Column<string>(name: "normalized_email", nullable: true, maxLength: 256),
                emailConfirmed = table.Column<bool>(name: "email_confirmed", nullable: false),
                passwordHash = table.Column<string>(name: "password_hash", nullable: true),
                securityStamp = table.Column<string>(name: "security_stamp", nullable: true),
                concurrencyStamp = table.Column<string>(name: "concurrency_stamp", nullable: true),
                phoneNumber = table.Column<string>(name: "phone_number", nullable: true),
                phoneNumberConfirmed = table.Column<bool>(name: "phone_number_confirmed", nullable: false),
                twoFactorEnabled = table.Column<bool>(name: "two_factor_enabled", nullable: false),
                lockoutEnd = table.Column<DateTime>(name: "lockout_end", nullable: true),
                lockoutEnabled = table.Column<bool>(name: "lockout_enabled", nullable: false),
                accessFailedCount = table.Column<int>(name: "access_failed_count", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_users", x => x.id);
            });

        migrationBuilder.CreateTable(
            name: "api_keys",
            columns: table => new
            {
                prefix = table.Column<string>(name: "prefix", nullable: false, maxLength: 16),
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                name = table.Column<string>(name: "name", nullable: false, maxLength: 200),
                secretHash = table.Column<string>(name: "secret_hash", nullable: false, maxLength: 64),
                createdAt = table.Column<DateTime>(name: "created_at", nullable: false),
                lastUsedAt = table.Column<DateTime>(name: "last_used_at", nullable: true),
                revokedAt = table.Column<DateTime>(name: "revoked_at", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_api_keys", x => x.prefix);
                table.ForeignKey(
                    name: "FK_api_keys_accounts_account_id",
                    column: x => x.accountId,
                    principalTable: "accounts",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "audit_entries",
            columns: table => new
            {
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                id = table.Column<Guid>(name: "id", nullable: false),
                at = table.Column<DateTime>(name: "at", nullable: false),
                actor = table.Column<string>(name: "actor", nullable: false, maxLength: 200),
                action = table.Column<string>(name: "action", nullable: false, maxLength: 64),
                subject = table.Column<string>(name: "subject", nullable: false, maxLength: 200),
                before = table.Column<string>(name: "before", nullable: true),
                after = table.Column<string>(name: "after", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_audit_entries", x => new { x.accountId, x.id });
                table.ForeignKey(
                    name: "FK_audit_entries_accounts_account_id",
                    column: x => x.accountId,
                    principalTable: "accounts",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "workspaces",
            columns: table => new
            {
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                id = table.Column<Guid>(name: "id", nullable: false),
                name = table.Column<string>(name: "name", nullable: false, maxLength: 200),
                kind = table.Column<string>(name: "kind", nullable: false, maxLength: 16),
                userId = table.Column<string>(name: "user_id", nullable: false, maxLength: 8),
                passcodeHash = table.Column<string>(name: "passcode_hash", nullable: false, maxLength: 128),
                allocationMinutes = table.Column<int>(name: "allocation_minutes", nullable: true),
                resetDay = table.Column<int>(name: "reset_day", nullable: true),
                concurrentCallLimit = table.Column<int>(name: "concurrent_call_limit", nullable: true),
                createdAt = table.Column<DateTime>(name: "created_at", nullable: false),
                archivedAt = table.Column<DateTime>(name: "archived_at", nullable: true),
                version = table.Column<long>(name: "version", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_workspaces", x => new { x.accountId, x.id });
                table.ForeignKey(
                    name: "FK_workspaces_accounts_account_id",
                    column: x => x.accountId,
                    principalTable: "accounts",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "account_plan_changes",
            columns: table => new
            {
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                effectiveAt = table.Column<DateTime>(name: "effective_at", nullable: false),
                planId = table.Column<Guid>(name: "plan_id", nullable: false),
                requestedAt = table.Column<DateTime>(name: "requested_at", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_account_plan_changes", x => new { x.accountId, x.effectiveAt });
                table.ForeignKey(
                    name: "FK_account_plan_changes_accounts_account_id",
                    column: x => x.accountId,
                    principalTable: "accounts",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
                table.ForeignKey(
                    name: "FK_account_plan_changes_plans_plan_id",
                    column: x => x.planId,
                    principalTable: "plans",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "memberships",
            columns: table => new
            {
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                userId = table.Column<Guid>(name: "user_id", nullable: false),
                role = table.Column<string>(name: "role", nullable: false, maxLength: 16),
                workspaceId = table.Column<Guid>(name: "workspace_id", nullable: true),
                createdAt = table.Column<DateTime>(name: "created_at", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_memberships", x => new { x.accountId, x.userId });
                table.ForeignKey(
                    name: "FK_memberships_accounts_account_id",
                    column: x => x.accountId,
                    principalTable: "accounts",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
                table.ForeignKey(
                    name: "FK_memberships_users_user_id",
                    column: x => x.userId,
                    principalTable: "users",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "user_claims",
            columns: table => new
            {
                id = table.Column<int>(name: "id", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                userId = table.Column<Guid>(name: "user_id", nullable: false),
                claimType = table.Column<string>(name: "claim_type", nullable: true),
                claimValue = table.Column<string>(name: "claim_value", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_user_claims", x => x.id);
                table.ForeignKey(
                    name: "FK_user_claims_users_user_id",
                    column: x => x.userId,
                    principalTable: "users",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "user_logins",
            columns: table => new
            {
                loginProvider = table.Column<string>(name: "login_provider", nullable: false),
                providerKey = table.Column<string>(name: "provider_key", nullable: false),
                providerDisplayName = table.Column<string>(name: "provider_display_name", nullable: true),
                userId = table.Column<Guid>(name: "user_id", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_user_logins", x => new { x.loginProvider, x.providerKey });
                table.ForeignKey(
                    name: "FK_user_logins_users_user_id",
                    column: x => x.userId,
                    principalTable: "users",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "user_tokens",
            columns: table => new
            {
                userId = table.Column<Guid>(name: "user_id", nullable: false),
                loginProvider = table.Column<string>(name: "login_provider", nullable: false),
                name = table.Column<string>(name: "name", nullable: false),
                value = table.Column<string>(name: "value", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_user_tokens", x => new { x.userId, x.loginProvider, x.name });
                table.ForeignKey(
                    name: "FK_user_tokens_users_user_id",
                    column: x => x.userId,
                    principalTable: "users",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "calls",
            columns: table => new
            {
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                callId = table.Column<string>(name: "call_id", nullable: false, maxLength: 128),
                workspaceId = table.Column<Guid>(name: "workspace_id", nullable: false),
                startedAt = table.Column<DateTime>(name: "started_at", nullable: false),
                localDate = table.Column<DateOnly>(name: "local_date", nullable: false),
                endedAt = table.Column<DateTime>(name: "ended_at", nullable: true),
                lastHeartbeatAt = table.Column<DateTime>(name: "last_heartbeat_at", nullable: true),
                durationSeconds = table.Column<long>(name: "duration_seconds", nullable: true),
                billableSeconds = table.Column<long>(name: "billable_seconds", nullable: true),
                projectTag = table.Column<string>(name: "project_tag", nullable: true, maxLength: 100),
                maxUsageSeconds = table.Column<long>(name: "max_usage_seconds", nullable: false),
                source = table.Column<string>(name: "source", nullable: false, maxLength: 16),
                recordedAt = table.Column<DateTime>(name: "recorded_at", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_calls", x => new { x.accountId, x.callId });
                table.ForeignKey(
                    name: "FK_calls_workspaces_account_id_workspace_id",
                    columns: x => new { x.accountId, x.workspaceId },
                    principalTable: "workspaces",
                    principalColumns: new[] { "account_id", "id" },
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "usage_buckets",
            columns: table => new
            {
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                workspaceId = table.Column<Guid>(name: "workspace_id", nullable: false),
                localDate = table.Column<DateOnly>(name: "local_date", nullable: false),
                slot = table.Column<short>(name: "slot", nullable: false),
                billedSeconds = table.Column<long>(name: "billed_seconds", nullable: false),
                calls = table.Column<long>(name: "calls", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_usage_buckets", x => new { x.accountId, x.workspaceId, x.localDate, x.slot });
                table.ForeignKey(
                    name: "FK_usage_buckets_workspaces_account_id_workspace_id",
                    columns: x => new { x.accountId, x.workspaceId },
                    principalTable: "workspaces",
                    principalColumns: new[] { "account_id", "id" },
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "user_id_directory",
            columns: table => new
            {
                userId = table.Column<string>(name: "user_id", nullable: false, maxLength: 8),
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                workspaceId = table.Column<Guid>(name: "workspace_id", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_user_id_directory", x => x.userId);
                table.ForeignKey(
                    name: "FK_user_id_directory_workspaces_account_id_workspace_id",
                    columns: x => new { x.accountId, x.workspaceId },
                    principalTable: "workspaces",
                    principalColumns: new[] { "account_id", "id" },
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(
            name: "IX_account_plan_changes_plan_id",
            table: "account_plan_changes",
            column: "plan_id");

        migrationBuilder.CreateIndex(
            name: "IX_api_keys_account_id",
            table: "api_keys",
            column: "account_id");

        migrationBuilder.CreateIndex(
            name: "IX_audit_entries_account_id_at",
            table: "audit_entries",
            columns: new[] { "account_id", "at" });

        migrationBuilder.CreateIndex(
            name: "IX_calls_account_id_started_at",
            table: "calls",
            columns: new[] { "account_id", "started_at" });

        migrationBuilder.CreateIndex(
            name: "IX_calls_account_id_workspace_id_started_at",
            table: "calls",
            columns: new[] { "account_id", "workspace_id", "started_at" });

        migrationBuilder.CreateIndex(
            name: "IX_calls_active",
            table: "calls",
            columns: new[] { "account_id", "workspace_id" },
            filter: "ended_at IS NULL");

        migrationBuilder.CreateIndex(
            name: "IX_memberships_user_id",
            table: "memberships",
            column: "user_id");

        migrationBuilder.CreateIndex(
            name: "IX_plans_code",
            table: "plans",
            column: "code",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_usage_buckets_account_id_local_date",
            table: "usage_buckets",
            columns: new[] { "account_id", "local_date" });

        migrationBuilder.CreateIndex(
            name: "IX_user_claims_user_id",
            table: "user_claims",
            column: "user_id");

        migrationBuilder.CreateIndex(
            name: "IX_user_id_directory_account_id_workspace_id",
            table: "user_id_directory",
            columns: new[] { "account_id", "workspace_id" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_user_logins_user_id",
            table: "user_logins",
            column: "user_id");

        migrationBuilder.CreateIndex(
            name: "EmailIndex",
            table: "users",
            column: "normalized_email");

        migrationBuilder.CreateIndex(
            name: "UserNameIndex",
            table: "users",
            column: "normalized_user_name",
            unique: true);
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "user_id_directory");
        migrationBuilder.DropTable(name: "usage_buckets");
        migrationBuilder.DropTable(name: "calls");
        migrationBuilder.DropTable(name: "user_tokens");
        migrationBuilder.DropTable(name: "user_logins");
        migrationBuilder.DropTable(name: "user_claims");
        migrationBuilder.DropTable(name: "memberships");
        migrationBuilder.DropTable(name: "account_plan_changes");
        migrationBuilder.DropTable(name: "workspaces");
        migrationBuilder.DropTable(name: "audit_entries");
        migrationBuilder.DropTable(name: "api_keys");
        migrationBuilder.DropTable(name: "users");
        migrationBuilder.DropTable(name: "plans");
        migrationBuilder.DropTable(name: "passcode_lockouts");
        migrationBuilder.DropTable(name: "accounts");
    }
}
