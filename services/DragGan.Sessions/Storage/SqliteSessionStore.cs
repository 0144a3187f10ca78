using Google.Protobuf;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Storage;

/// <summary>
/// Sessions in one SQLite file, for running on one machine without a server. Several processes
/// may share the file: WAL lets readers run beside the one writer, writers wait for each other
/// (busy timeout), and compare-and-set is <c>UPDATE … WHERE version = @expected</c>. Expired rows
/// are invisible to every query; <see cref="SqliteSweeper"/> deletes them periodically. A tenant's
/// quotas are checked in the create's own write transaction, so concurrent creates cannot pass them.
/// </summary>
public sealed class SqliteSessionStore : ISessionStore, IDragFrameStore, IStoreUsageReader
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS sessions (
            tenant     TEXT    NOT NULL,
            id         TEXT    NOT NULL,
            version    INTEGER NOT NULL,
            expires_at INTEGER NOT NULL, -- Unix milliseconds
            data       BLOB    NOT NULL, -- StoredSession
            PRIMARY KEY (tenant, id)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS sessions_by_expiry ON sessions (tenant, expires_at DESC, id DESC);
        CREATE TABLE IF NOT EXISTS drag_frames (
            tenant     TEXT    NOT NULL,
            session_id TEXT    NOT NULL,
            seq        INTEGER NOT NULL,
            drag_id    TEXT    NOT NULL,
            data       BLOB    NOT NULL, -- StoredDragFrame
            PRIMARY KEY (tenant, session_id, seq)
        ) WITHOUT ROWID;
        """;

    private readonly SqliteDatabase _database;
    private readonly SessionStoreLimits _limits;
    private readonly TimeProvider _time;

    public SqliteSessionStore(IOptions<SessionsOptions> options, IHostEnvironment environment, TimeProvider time)
        : this(Path.GetFullPath(options.Value.SqlitePath, environment.ContentRootPath), SessionStoreLimits.From(options.Value), time)
    {
    }

    public SqliteSessionStore(string path, SessionStoreLimits limits, TimeProvider time)
    {
        if (Path.GetDirectoryName(path) is { Length: > 0 } directory)
            Directory.CreateDirectory(directory);
        FilePath = path;
        _database = new SqliteDatabase(path, Schema);
        _limits = limits;
        _time = time;
    }

    public string FilePath { get; }

    public async Task<SessionRecord> CreateAsync(StoredSession session, CancellationToken cancellationToken)
    {
        var key = SessionKey.Of(session);
        var data = session.ToByteArray();
        await using var connection = await _database.OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE: the usage read below cannot change before the insert.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var usage = await TenantUsageAsync(connection, transaction, key.Tenant, cancellationToken);
        if (usage.Sessions >= _limits.MaxSessionsPerTenant)
            throw StoreQuotaExceededException.Sessions(key.Tenant, _limits.MaxSessionsPerTenant);
        if (usage.StoredBytes + data.Length > _limits.MaxStoredBytesPerTenant)
            throw StoreQuotaExceededException.StoredBytes(key.Tenant, _limits.MaxStoredBytesPerTenant, usage.StoredBytes, data.Length);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO sessions (tenant, id, version, expires_at, data) VALUES ($tenant, $id, 1, $expires, $data)
            ON CONFLICT (tenant, id) DO UPDATE SET version = 1, expires_at = excluded.expires_at, data = excluded.data
                WHERE sessions.expires_at <= $now
            """;
        AddKey(command, key);
        command.Parameters.AddWithValue("$expires", SessionRecord.ExpiresAtMs(session));
        command.Parameters.AddWithValue("$data", data);
        command.Parameters.AddWithValue("$now", NowMs());
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            throw new SessionConflictException(key, "a session with this id exists.");
        await transaction.CommitAsync(cancellationToken);
        return SessionRecord.Versioned(session.Clone(), 1);
    }

    public async Task<TenantUsage> TenantUsageAsync(string tenant, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        return await TenantUsageAsync(connection, null, tenant, cancellationToken);
    }

    /// <summary>The file's used pages (free pages left by deletes are reused before it grows); SQLite has no limit of its own.</summary>
    public async Task<StoreUsage> ReadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count()), (SELECT page_size FROM pragma_page_size())";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new StoreUsage(reader.GetInt64(0) * reader.GetInt64(1), null);
    }

    private async Task<TenantUsage> TenantUsageAsync(SqliteConnection connection, SqliteTransaction? transaction, string tenant, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT COUNT(*), COALESCE(SUM(length(data)), 0) FROM sessions WHERE tenant = $tenant AND expires_at > $now;
            SELECT COALESCE(SUM(length(f.data)), 0) FROM drag_frames f
            JOIN sessions s ON s.tenant = f.tenant AND s.id = f.session_id AND s.expires_at > $now
            WHERE f.tenant = $tenant;
            """;
        command.Parameters.AddWithValue("$tenant", tenant);
        command.Parameters.AddWithValue("$now", NowMs());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (sessions, bytes) = (reader.GetInt64(0), reader.GetInt64(1));
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new TenantUsage(sessions, bytes + reader.GetInt64(0));
    }

    public async Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, data FROM sessions WHERE tenant = $tenant AND id = $id AND expires_at > $now";
        AddKey(command, key);
        command.Parameters.AddWithValue("$now", NowMs());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return SessionRecord.Versioned(StoredSession.Parser.ParseFrom((byte[])reader[1]), reader.GetInt64(0));
    }

    public async Task<SessionRecord> ReplaceAsync(StoredSession session, long expectedVersion, CancellationToken cancellationToken)
    {
        var key = SessionKey.Of(session);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE sessions SET version = version + 1, expires_at = $expires, data = $data
            WHERE tenant = $tenant AND id = $id AND version = $expected AND expires_at > $now
            """;
        AddKey(command, key);
        command.Parameters.AddWithValue("$expires", SessionRecord.ExpiresAtMs(session));
        command.Parameters.AddWithValue("$data", session.ToByteArray());
        command.Parameters.AddWithValue("$expected", expectedVersion);
        command.Parameters.AddWithValue("$now", NowMs());
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
            return SessionRecord.Versioned(session.Clone(), expectedVersion + 1);
        if (await GetAsync(key, cancellationToken) is null)
            throw new SessionNotFoundException(key.Id);
        throw new SessionConflictException(key, $"it is no longer at version {expectedVersion}.");
    }

    public async Task<bool> DeleteAsync(SessionKey key, long? expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        // BEGIN IMMEDIATE: the version read below cannot change before the delete.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        long? version;
        await using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT version FROM sessions WHERE tenant = $tenant AND id = $id AND expires_at > $now";
            AddKey(select, key);
            select.Parameters.AddWithValue("$now", NowMs());
            version = await select.ExecuteScalarAsync(cancellationToken) is long found ? found : null;
        }
        if (version is { } current && expectedVersion is { } expected && current != expected)
            throw new SessionConflictException(key, $"it is at version {current}, not {expected}.");
        await using (var delete = connection.CreateCommand())
        {
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM sessions WHERE tenant = $tenant AND id = $id";
            AddKey(delete, key);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        await DeleteFramesAsync(connection, transaction, key, keepDragId: null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return version is not null;
    }

    public async Task<SessionPage> ListAsync(string tenant, int pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var after = pageToken is null ? (PageToken?)null : PageToken.Decode(pageToken);
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // The size first: a row past the page's byte budget is never read into memory here.
        command.CommandText = """
            SELECT length(data), version, expires_at, id, data FROM sessions
            WHERE tenant = $tenant AND expires_at > $now AND ($after IS NULL OR (expires_at, id) < ($after, $afterId))
            ORDER BY expires_at DESC, id DESC
            LIMIT $limit
            """;
        command.Parameters.AddWithValue("$tenant", tenant);
        command.Parameters.AddWithValue("$now", NowMs());
        command.Parameters.AddWithValue("$after", after is { } a ? a.ExpiresAtMs : DBNull.Value);
        command.Parameters.AddWithValue("$afterId", after is { } b ? b.SessionId : DBNull.Value);
        command.Parameters.AddWithValue("$limit", pageSize + 1);
        var sessions = new List<SessionRecord>();
        var positions = new List<PageToken>();
        long bytes = 0;
        var more = false;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var size = reader.GetInt64(0);
            if (sessions.Count == pageSize || (sessions.Count > 0 && bytes + size > _limits.MaxPageBytes))
            {
                more = true;
                break;
            }
            bytes += size;
            sessions.Add(SessionRecord.Versioned(StoredSession.Parser.ParseFrom((byte[])reader[4]), reader.GetInt64(1)));
            positions.Add(new PageToken(reader.GetInt64(2), reader.GetString(3)));
        }
        return new SessionPage(sessions, more ? positions[^1].Encode() : null);
    }

    public async Task<bool> AppendFrameAsync(SessionKey key, StoredDragFrame frame, CancellationToken cancellationToken)
    {
        var data = frame.ToByteArray();
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using (var exists = connection.CreateCommand())
        {
            exists.Transaction = transaction;
            exists.CommandText = "SELECT 1 FROM sessions WHERE tenant = $tenant AND id = $id AND expires_at > $now";
            AddKey(exists, key);
            exists.Parameters.AddWithValue("$now", NowMs());
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
                throw new SessionNotFoundException(key.Id);
        }
        await DeleteFramesAsync(connection, transaction, key, keepDragId: frame.DragId, cancellationToken);

        // The session's frames, oldest first (their sizes only), and what the tenant's live sessions hold.
        var held = new List<(long Seq, long Size)>();
        await using (var own = connection.CreateCommand())
        {
            own.Transaction = transaction;
            own.CommandText = "SELECT seq, length(data) FROM drag_frames WHERE tenant = $tenant AND session_id = $id ORDER BY seq";
            AddKey(own, key);
            await using var reader = await own.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                held.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }
        long total;
        await using (var tenant = connection.CreateCommand())
        {
            tenant.Transaction = transaction;
            tenant.CommandText = """
                SELECT COALESCE(SUM(length(f.data)), 0) FROM drag_frames f
                JOIN sessions s ON s.tenant = f.tenant AND s.id = f.session_id AND s.expires_at > $now
                WHERE f.tenant = $tenant
                """;
            tenant.Parameters.AddWithValue("$tenant", key.Tenant);
            tenant.Parameters.AddWithValue("$now", NowMs());
            total = (long)(await tenant.ExecuteScalarAsync(cancellationToken))!;
        }
        var session = held.Sum(f => f.Size);
        var usage = await TenantUsageAsync(connection, transaction, key.Tenant, cancellationToken);
        // The tenant's frames stay within their own budget and what its sessions leave of its quota.
        var maxTenant = Math.Min(_limits.MaxDragFrameBytesPerTenant, _limits.MaxStoredBytesPerTenant - (usage.StoredBytes - total));
        if (data.Length > _limits.MaxDragFrameBytesPerSession || total - session + data.Length > maxTenant)
        {
            await transaction.CommitAsync(cancellationToken);
            return false;
        }
        // Oldest first, until the frame fits every bound.
        var drop = 0;
        while (drop < held.Count && (held.Count - drop >= _limits.MaxDragFrames
            || session + data.Length > _limits.MaxDragFrameBytesPerSession || total + data.Length > maxTenant))
        {
            session -= held[drop].Size;
            total -= held[drop].Size;
            drop++;
        }
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                DELETE FROM drag_frames WHERE tenant = $tenant AND session_id = $id AND seq <= $dropThrough;
                INSERT INTO drag_frames (tenant, session_id, seq, drag_id, data)
                VALUES ($tenant, $id, COALESCE((SELECT MAX(seq) FROM drag_frames WHERE tenant = $tenant AND session_id = $id), $dropThrough, 0) + 1, $drag, $data);
                """;
            AddKey(insert, key);
            insert.Parameters.AddWithValue("$dropThrough", drop > 0 ? held[drop - 1].Seq : -1L);
            insert.Parameters.AddWithValue("$drag", frame.DragId);
            insert.Parameters.AddWithValue("$data", data);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<StoredDragFrame>> ReadFramesAsync(SessionKey key, string dragId, CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT f.data FROM drag_frames f
            JOIN sessions s ON s.tenant = f.tenant AND s.id = f.session_id AND s.expires_at > $now
            WHERE f.tenant = $tenant AND f.session_id = $id AND f.drag_id = $drag
            ORDER BY f.seq
            """;
        AddKey(command, key);
        command.Parameters.AddWithValue("$drag", dragId);
        command.Parameters.AddWithValue("$now", NowMs());
        var frames = new List<StoredDragFrame>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            frames.Add(StoredDragFrame.Parser.ParseFrom((byte[])reader[0]));
        return frames;
    }

    /// <summary>Deletes expired sessions and the frames of sessions that are gone; returns the sessions deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _database.OpenAsync(cancellationToken);
        await using var sessions = connection.CreateCommand();
        sessions.CommandText = "DELETE FROM sessions WHERE expires_at <= $now";
        sessions.Parameters.AddWithValue("$now", NowMs());
        var deleted = await sessions.ExecuteNonQueryAsync(cancellationToken);
        await using var frames = connection.CreateCommand();
        frames.CommandText = """
            DELETE FROM drag_frames WHERE NOT EXISTS
                (SELECT 1 FROM sessions s WHERE s.tenant = drag_frames.tenant AND s.id = drag_frames.session_id)
            """;
        await frames.ExecuteNonQueryAsync(cancellationToken);
        return deleted;
    }

    private static async Task DeleteFramesAsync(
        SqliteConnection connection, SqliteTransaction transaction, SessionKey key, string? keepDragId, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM drag_frames WHERE tenant = $tenant AND session_id = $id AND ($keep IS NULL OR drag_id <> $keep)";
        AddKey(command, key);
        command.Parameters.AddWithValue("$keep", keepDragId is null ? DBNull.Value : keepDragId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static void AddKey(SqliteCommand command, SessionKey key)
    {
        command.Parameters.AddWithValue("$tenant", key.Tenant);
        command.Parameters.AddWithValue("$id", key.Id);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
