using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace MinutePool.Data.Tenancy;

/// <summary>
/// Isolation in depth on PostgreSQL. Migration 4 puts a policy on every tenant-owned table: a row is visible
/// and writable only when its account is the connection's <c>minutepool.account_id</c>, or when
/// <c>minutepool.all_accounts</c> is <c>on</c>. Policies bind roles that do not own the tables, so a
/// deployment connects the app as such a role (the owner runs the migrations) and turns this on
/// (<c>MinutePool:Database:RowLevelSecurity=true</c>); every connection the app opens then carries the
/// request's tenant. A query that forgot its tenant, or raw SQL without the setting, sees no rows.
/// </summary>
public sealed class RowLevelSecurity : DbConnectionInterceptor
{
    public const string AccountSetting = "minutepool.account_id";
    public const string AllAccountsSetting = "minutepool.all_accounts";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = Command(connection, eventData);
        command?.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = Command(connection, eventData);
        if (command is not null)
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>Both settings are written on every open: a pooled session may still hold another request's values.</summary>
    private static NpgsqlCommand? Command(DbConnection connection, ConnectionEndEventData eventData)
    {
        if (connection is not NpgsqlConnection npgsql || eventData.Context is not MinutePoolDbContext db)
        {
            return null;
        }

        var command = new NpgsqlCommand($"SELECT set_config('{AccountSetting}', $1, false), set_config('{AllAccountsSetting}', $2, false)", npgsql);
        command.Parameters.Add(new NpgsqlParameter { Value = db.Tenant.AccountId?.ToString() ?? "" });
        command.Parameters.Add(new NpgsqlParameter { Value = db.Tenant.AllAccounts ? "on" : "off" });
        return command;
    }
}
