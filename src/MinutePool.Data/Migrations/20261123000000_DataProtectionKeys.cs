using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace MinutePool.Data.Migrations;

/// <summary>
/// Data-protection keys in the database, so a cookie or antiforgery token issued by one app instance is
/// accepted by every other (instances keep no state of their own). Written by hand like the others.
/// </summary>
[DbContext(typeof(MinutePoolDbContext))]
[Migration("20261123000000_DataProtectionKeys")]
public sealed class DataProtectionKeys : Migration
{
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "data_protection_keys",
            columns: table => new
            {
                id = table.Column<int>(name: "id", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn)
                    .Annotation("Sqlite:Autoincrement", true),
                friendlyName = table.Column<string>(name: "friendly_name", nullable: true),
                xml = table.Column<string>(name: "xml", nullable: true),
            },
            constraints: table => table.PrimaryKey("PK_data_protection_keys", x => x.id));
    }

    protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.DropTable(name: "data_protection_keys");
}
