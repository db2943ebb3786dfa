using Npgsql;

namespace MinutePool.IntegrationTests.Infrastructure;

/// <summary>Raw SQL against a PostgreSQL server or database, beside the app: administration and checks.</summary>
public static class Sql
{
    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
