using Microsoft.Data.Sqlite;

namespace DragGan.Sessions.Storage;

/// <summary>
/// Work leases in the SQLite file of <see cref="SqliteSessionStore"/>, so that the processes
/// sharing the file share the limits. Each change is one immediate transaction: it drops the
/// tenant's expired leases of the kind, then checks and writes.
/// </summary>
public sealed class SqliteWorkLeaseStore : IWorkLeaseStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS work_leases (
            tenant     TEXT    NOT NULL,
            kind       TEXT    NOT NULL,
            id         TEXT    NOT NULL,
            holder     TEXT    NOT NULL,
            weight     INTEGER NOT NULL,
            expires_at INTEGER NOT NULL, -- Unix milliseconds
            PRIMARY KEY (tenant, kind, id)
        ) WITHOUT ROWID;
        """;

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;

    public SqliteWorkLeaseStore(SqliteSessionStore sessions, TimeProvider time)
        : this(sessions.FilePath, time)
    {
    }

    public SqliteWorkLeaseStore(string path, TimeProvider time)
    {
        _database = new SqliteDatabase(path, Schema);
        _time = time;
    }

    public async Task<LeaseGrant> TryAcquireAsync(WorkLease lease, int capacity, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var now = NowMs();
        await ExecuteAsync(connection, transaction, "DELETE FROM work_leases WHERE tenant = $tenant AND kind = $kind AND expires_at <= $now", lease, now, cancellationToken);

        string? holder;
        long used, count;
        await using (var read = Command(connection, transaction, """
            SELECT (SELECT holder FROM work_leases WHERE tenant = $tenant AND kind = $kind AND id = $id),
                   COALESCE(SUM(weight), 0), COUNT(*)
            FROM work_leases WHERE tenant = $tenant AND kind = $kind
            """, lease, now))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            holder = reader.IsDBNull(0) ? null : reader.GetString(0);
            used = reader.GetInt64(1);
            count = reader.GetInt64(2);
        }
        if (holder is not null && holder != lease.Holder)
            return LeaseGrant.Held(holder);
        if (holder is null && count > 0 && used + lease.Weight > capacity)
            return LeaseGrant.Full((int)used);

        await using (var write = Command(connection, transaction, """
            INSERT INTO work_leases (tenant, kind, id, holder, weight, expires_at) VALUES ($tenant, $kind, $id, $holder, $weight, $until)
            ON CONFLICT (tenant, kind, id) DO UPDATE SET expires_at = excluded.expires_at
            """, lease, now))
        {
            write.Parameters.AddWithValue("$until", now + (long)duration.TotalMilliseconds);
            await write.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return LeaseGrant.Yes;
    }

    public async Task<bool> RenewAsync(WorkLease lease, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        var now = NowMs();
        // Its own row, however late; or, when it lapsed and nobody took the id meanwhile, a new one.
        await using var command = Command(connection, null, """
            INSERT INTO work_leases (tenant, kind, id, holder, weight, expires_at) VALUES ($tenant, $kind, $id, $holder, $weight, $until)
            ON CONFLICT (tenant, kind, id) DO UPDATE SET expires_at = excluded.expires_at WHERE work_leases.holder = excluded.holder
            """, lease, now);
        command.Parameters.AddWithValue("$until", now + (long)duration.TotalMilliseconds);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task ReleaseAsync(WorkLease lease, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, "DELETE FROM work_leases WHERE tenant = $tenant AND kind = $kind AND id = $id AND holder = $holder", lease, NowMs(), cancellationToken);
    }

    public async Task<string?> HolderAsync(string tenant, WorkKind kind, string id, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = Command(connection, null,
            "SELECT holder FROM work_leases WHERE tenant = $tenant AND kind = $kind AND id = $id AND expires_at > $now",
            new WorkLease(tenant, kind, id, "", 0), NowMs());
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, WorkLease lease, long now)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$tenant", lease.Tenant);
        command.Parameters.AddWithValue("$kind", lease.Kind.ToString());
        command.Parameters.AddWithValue("$id", lease.Id);
        command.Parameters.AddWithValue("$holder", lease.Holder);
        command.Parameters.AddWithValue("$weight", lease.Weight);
        command.Parameters.AddWithValue("$now", now);
        return command;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, WorkLease lease, long now, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql, lease, now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
