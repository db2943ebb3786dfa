using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace MinutePool.Data.Migrations;

/// <summary>
/// The running-calls index names its calls by "no duration yet" instead of "no end yet", so that the end of one
/// call can only be read through the primary key (see <see cref="Calls.RunningCalls"/>). Same rows, same columns.
/// </summary>
[DbContext(typeof(MinutePoolDbContext))]
[Migration("20261124000000_RunningCallsIndex")]
public sealed class RunningCallsIndex : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder) => Recreate(migrationBuilder, "duration_seconds IS NULL");

    protected override void Down(MigrationBuilder migrationBuilder) => Recreate(migrationBuilder, "ended_at IS NULL");

    private static void Recreate(MigrationBuilder migrationBuilder, string filter)
    {
        migrationBuilder.DropIndex(name: "IX_calls_active", table: "calls");
        migrationBuilder.CreateIndex(name: "IX_calls_active", table: "calls", columns: ["account_id", "workspace_id"], filter: filter);
    }
}
