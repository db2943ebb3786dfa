using Npgsql;

namespace MinutePool.IntegrationTests.Infrastructure;

/// <summary>A transaction the test keeps open (holding whatever its statement locked) and rolls back on disposal.</summary>
public sealed class HeldLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public static async Task<HeldLock> TakeAsync(string connectionString, string sql)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
        return new HeldLock(connection, transaction);
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.RollbackAsync();
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
