using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MinutePool.Data.Migrations;

/// <summary>
/// Statements, notifications, webhook deliveries, job runs and the account's notification settings.
/// Quartz's own job-store tables are not here: Quartz 4.7 provisions and validates them itself
/// (see JobScheduling), because its schema changes with its releases.
/// Written by hand like the first migration; SchemaMatchesModelTests compares the result with the model.
/// </summary>
[DbContext(typeof(MinutePoolDbContext))]
[Migration("20261122060000_JobsAndNotifications")]
public sealed class JobsAndNotifications : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(name: "threshold_percents", table: "accounts", maxLength: 64, nullable: false, defaultValue: "80,100");
        migrationBuilder.AddColumn<string>(name: "webhook_url", table: "accounts", maxLength: 2000, nullable: true);
        migrationBuilder.AddColumn<string>(name: "webhook_secret", table: "accounts", maxLength: 128, nullable: true);

        migrationBuilder.CreateTable(
            name: "statements",
            columns: table => new
            {
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                subjectId = table.Column<Guid>(name: "subject_id", nullable: false),
                startDate = table.Column<DateOnly>(name: "start_date", nullable: false),
                revision = table.Column<int>(name: "revision", nullable: false),
                scope = table.Column<string>(name: "scope", nullable: false, maxLength: 16),
                endDate = table.Column<DateOnly>(name: "end_date", nullable: false),
                periodStart = table.Column<DateTime>(name: "period_start", nullable: false),
                periodEnd = table.Column<DateTime>(name: "period_end", nullable: false),
                planCode = table.Column<string>(name: "plan_code", nullable: false, maxLength: 64),
                allocatedSeconds = table.Column<long>(name: "allocated_seconds", nullable: false),
                usedSeconds = table.Column<long>(name: "used_seconds", nullable: false),
                overageSeconds = table.Column<long>(name: "overage_seconds", nullable: false),
                calls = table.Column<long>(name: "calls", nullable: false),
                costShareAmount = table.Column<decimal>(name: "cost_share_amount", nullable: false, precision: 18, scale: 2),
                currency = table.Column<string>(name: "currency", nullable: false, maxLength: 3),
                closedAt = table.Column<DateTime>(name: "closed_at", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_statements", x => new { x.accountId, x.subjectId, x.scope, x.startDate, x.revision });
                table.ForeignKey(
                    name: "FK_statements_accounts_account_id",
                    column: x => x.accountId,
                    principalTable: "accounts",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "notifications",
            columns: table => new
            {
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                id = table.Column<Guid>(name: "id", nullable: false),
                dedupKey = table.Column<string>(name: "dedup_key", nullable: false, maxLength: 200),
                kind = table.Column<string>(name: "kind", nullable: false, maxLength: 64),
                title = table.Column<string>(name: "title", nullable: false, maxLength: 300),
                body = table.Column<string>(name: "body", nullable: false),
                data = table.Column<string>(name: "data", nullable: false),
                createdAt = table.Column<DateTime>(name: "created_at", nullable: false),
                readAt = table.Column<DateTime>(name: "read_at", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_notifications", x => new { x.accountId, x.id });
                table.ForeignKey(
                    name: "FK_notifications_accounts_account_id",
                    column: x => x.accountId,
                    principalTable: "accounts",
                    principalColumn: "id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "webhook_deliveries",
            columns: table => new
            {
                accountId = table.Column<Guid>(name: "account_id", nullable: false),
                id = table.Column<Guid>(name: "id", nullable: false),
                notificationId = table.Column<Guid>(name: "notification_id", nullable: false),
                url = table.Column<string>(name: "url", nullable: false, maxLength: 2000),
                payload = table.Column<string>(name: "payload", nullable: false),
                status = table.Column<string>(name: "status", nullable: false, maxLength: 16),
                attempts = table.Column<int>(name: "attempts", nullable: false),
                nextAttemptAt = table.Column<DateTime>(name: "next_attempt_at", nullable: false),
                lastStatusCode = table.Column<int>(name: "last_status_code", nullable: true),
                lastError = table.Column<string>(name: "last_error", nullable: true, maxLength: 500),
                createdAt = table.Column<DateTime>(name: "created_at", nullable: false),
                deliveredAt = table.Column<DateTime>(name: "delivered_at", nullable: true),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_webhook_deliveries", x => new { x.accountId, x.id });
                table.ForeignKey(
                    name: "FK_webhook_deliveries_notifications_account_id_notification_id",
                    columns: x => new { x.accountId, x.notificationId },
                    principalTable: "notifications",
                    principalColumns: new[] { "account_id", "id" },
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateTable(
            name: "job_runs",
            columns: table => new
            {
                jobName = table.Column<string>(name: "job_name", nullable: false, maxLength: 100),
                lastStartedAt = table.Column<DateTime>(name: "last_started_at", nullable: true),
                lastFinishedAt = table.Column<DateTime>(name: "last_finished_at", nullable: true),
                lastSucceeded = table.Column<bool>(name: "last_succeeded", nullable: true),
                lastError = table.Column<string>(name: "last_error", nullable: true, maxLength: 2000),
                lastSummary = table.Column<string>(name: "last_summary", nullable: true, maxLength: 500),
                runs = table.Column<long>(name: "runs", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_job_runs", x => x.jobName);
            });

        migrationBuilder.CreateIndex(name: "IX_notifications_account_id_created_at", table: "notifications", columns: new[] { "account_id", "created_at" });
        migrationBuilder.CreateIndex(name: "IX_notifications_account_id_dedup_key", table: "notifications", columns: new[] { "account_id", "dedup_key" }, unique: true);
        migrationBuilder.CreateIndex(name: "IX_statements_account_id_scope_start_date", table: "statements", columns: new[] { "account_id", "scope", "start_date" });
        migrationBuilder.CreateIndex(name: "IX_webhook_deliveries_account_id_created_at", table: "webhook_deliveries", columns: new[] { "account_id", "created_at" });
        migrationBuilder.CreateIndex(name: "IX_webhook_deliveries_account_id_notification_id", table: "webhook_deliveries", columns: new[] { "account_id", "notification_id" });
        migrationBuilder.CreateIndex(name: "IX_webhook_deliveries_due", table: "webhook_deliveries", column: "next_attempt_at", filter: "status = 'Pending'");
    }

    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(name: "job_runs");
        migrationBuilder.DropTable(name: "webhook_deliveries");
        migrationBuilder.DropTable(name: "notifications");
        migrationBuilder.DropTable(name: "statements");
        migrationBuilder.DropColumn(name: "webhook_secret", table: "accounts");
        migrationBuilder.DropColumn(name: "webhook_url", table: "accounts");
        migrationBuilder.DropColumn(name: "threshold_percents", table: "accounts");
    }
}
