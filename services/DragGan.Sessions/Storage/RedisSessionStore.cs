using Google.Protobuf;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DragGan.Sessions.Storage;

/// <summary>
/// Sessions in Redis, shared by every replica. Per session a hash (<c>v</c> = version,
/// <c>d</c> = StoredSession bytes) that expires with the session (PEXPIREAT); per tenant a sorted
/// set of its session ids scored by expiry, for listing, from which expired ids are removed on
/// every create and list. Compare-and-set and every multi-key change run as Lua scripts, which
/// Redis executes atomically.
/// </summary>
/// <remarks>
/// Key layout (<c>P</c> = <see cref="SessionsOptions.RedisKeyPrefix"/>): <c>P{tenant}:s:id</c> the
/// session, <c>P{tenant}:sessions</c> the tenant's index, <c>P{tenant}:f:id</c> the latest drag's
/// frames (a list) and <c>P{tenant}:fd:id</c> that drag's id. The braces are a Redis Cluster hash
/// tag: a tenant's keys share a slot, so every script touches one slot.
/// </remarks>
public sealed class RedisSessionStore : ISessionStore, IDragFrameStore
{
    // KEYS: session, index. ARGV: data, expires-at ms, id, now ms.
    private const string CreateScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'v', 1, 'd', ARGV[1])
        redis.call('PEXPIREAT', KEYS[1], ARGV[2])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
        if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) - tonumber(ARGV[4]) then
          redis.call('PEXPIREAT', KEYS[2], ARGV[2])
        end
        return 1
        """;

    // KEYS: session, index, frames, frames' drag id. ARGV: expected version, data, expires-at ms, id, now ms.
    // Returns the new version, 0 on a version mismatch, -1 when the session is gone.
    private const string ReplaceScript = """
        local v = redis.call('HGET', KEYS[1], 'v')
        if not v then return -1 end
        if v ~= ARGV[1] then return 0 end
        local next = tonumber(v) + 1
        redis.call('HSET', KEYS[1], 'v', next, 'd', ARGV[2])
        redis.call('PEXPIREAT', KEYS[1], ARGV[3])
        redis.call('PEXPIREAT', KEYS[3], ARGV[3])
        redis.call('PEXPIREAT', KEYS[4], ARGV[3])
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
        if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[3]) - tonumber(ARGV[5]) then
          redis.call('PEXPIREAT', KEYS[2], ARGV[3])
        end
        return next
        """;

    // KEYS: session, index, frames, frames' drag id. ARGV: expected version or '', id.
    // Returns 1 when deleted, 0 when absent, -2 on a version mismatch.
    private const string DeleteScript = """
        local v = redis.call('HGET', KEYS[1], 'v')
        redis.call('ZREM', KEYS[2], ARGV[2])
        if not v then return 0 end
        if ARGV[1] ~= '' and v ~= ARGV[1] then return -2 end
        redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
        return 1
        """;

    // KEYS: session, frames, frames' drag id. ARGV: drag id, frame bytes, max frames.
    // Returns 0 when the session is gone, else 1. The frames expire with the session.
    private const string AppendFrameScript = """
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then return 0 end
        if redis.call('GET', KEYS[3]) ~= ARGV[1] then
          redis.call('DEL', KEYS[2])
          redis.call('SET', KEYS[3], ARGV[1])
        end
        redis.call('RPUSH', KEYS[2], ARGV[2])
        redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
        redis.call('PEXPIRE', KEYS[2], ttl)
        redis.call('PEXPIRE', KEYS[3], ttl)
        return 1
        """;

    // KEYS: index. ARGV: now ms. Listing reads whole pages in one go below; this trims first.
    private const string TrimIndexScript = "return redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])";

    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly int _maxFrames;
    private readonly TimeProvider _time;

    public RedisSessionStore(IConnectionMultiplexer redis, IOptions<SessionsOptions> options, TimeProvider time)
        : this(redis, options.Value.RedisKeyPrefix, options.Value.MaxDragFrames, time)
    {
    }

    public RedisSessionStore(IConnectionMultiplexer redis, string keyPrefix, int maxFrames, TimeProvider time)
    {
        _redis = redis;
        _prefix = keyPrefix;
        _maxFrames = maxFrames;
        _time = time;
    }

    private IDatabase Db => _redis.GetDatabase();

    public async Task<SessionRecord> CreateAsync(StoredSession session, CancellationToken cancellationToken)
    {
        var key = SessionKey.Of(session);
        var created = (long)await Db.ScriptEvaluateAsync(CreateScript,
            [SessionKeyOf(key), IndexKeyOf(key.Tenant)],
            [session.ToByteArray(), SessionRecord.ExpiresAtMs(session), key.Id, NowMs()]).WaitAsync(cancellationToken);
        if (created == 0)
            throw new SessionConflictException(key, "a session with this id exists.");
        return SessionRecord.Versioned(session.Clone(), 1);
    }

    public async Task<SessionRecord?> GetAsync(SessionKey key, CancellationToken cancellationToken)
    {
        var fields = await Db.HashGetAsync(SessionKeyOf(key), ["v", "d"]).WaitAsync(cancellationToken);
        return Parse(fields);
    }

    public async Task<SessionRecord> ReplaceAsync(StoredSession session, long expectedVersion, CancellationToken cancellationToken)
    {
        var key = SessionKey.Of(session);
        var result = (long)await Db.ScriptEvaluateAsync(ReplaceScript,
            [SessionKeyOf(key), IndexKeyOf(key.Tenant), FramesKeyOf(key), FramesDragKeyOf(key)],
            [expectedVersion, session.ToByteArray(), SessionRecord.ExpiresAtMs(session), key.Id, NowMs()]).WaitAsync(cancellationToken);
        return result switch
        {
            -1 => throw new SessionNotFoundException(key.Id),
            0 => throw new SessionConflictException(key, $"it is no longer at version {expectedVersion}."),
            _ => SessionRecord.Versioned(session.Clone(), result),
        };
    }

    public async Task<bool> DeleteAsync(SessionKey key, long? expectedVersion, CancellationToken cancellationToken)
    {
        var result = (long)await Db.ScriptEvaluateAsync(DeleteScript,
            [SessionKeyOf(key), IndexKeyOf(key.Tenant), FramesKeyOf(key), FramesDragKeyOf(key)],
            [expectedVersion is { } v ? v : "", key.Id]).WaitAsync(cancellationToken);
        if (result == -2)
            throw new SessionConflictException(key, $"it is not at version {expectedVersion}.");
        return result == 1;
    }

    public async Task<SessionPage> ListAsync(string tenant, int pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var after = pageToken is null ? (PageToken?)null : PageToken.Decode(pageToken);
        var db = Db;
        var index = IndexKeyOf(tenant);
        var now = NowMs();
        await db.ScriptEvaluateAsync(TrimIndexScript, [index], [now]).WaitAsync(cancellationToken);

        // Keyset paging by (expiry, id) descending, the order ZREVRANGEBYSCORE gives (equal
        // scores come in reverse lexicographic order of the ids). Ids whose session has gone
        // (expired between the trim and the read) are removed from the index and skipped.
        var found = new List<(SessionRecord Record, PageToken Position)>();
        var max = after is { } a ? a.ExpiresAtMs.ToString(System.Globalization.CultureInfo.InvariantCulture) : "+inf";
        var batch = pageSize + 1;
        for (long offset = 0; found.Count <= pageSize; offset += batch)
        {
            var entries = ScoredMembers((RedisResult[])(await db.ExecuteAsync("ZREVRANGEBYSCORE", index, max, $"({now}", "WITHSCORES", "LIMIT", offset, batch)
                .WaitAsync(cancellationToken))!);
            if (entries.Count == 0)
                break;
            var candidates = new List<PageToken>();
            foreach (var position in entries)
            {
                if (after is { } last && position.ExpiresAtMs == last.ExpiresAtMs && string.CompareOrdinal(position.SessionId, last.SessionId) >= 0)
                    continue;
                candidates.Add(position);
            }
            var loads = candidates.Select(c => db.HashGetAsync(SessionKeyOf(new SessionKey(tenant, c.SessionId)), ["v", "d"])).ToArray();
            var records = await Task.WhenAll(loads).WaitAsync(cancellationToken);
            for (var i = 0; i < candidates.Count && found.Count <= pageSize; i++)
            {
                if (Parse(records[i]) is { } record)
                    found.Add((record, candidates[i]));
                else
                    await db.SortedSetRemoveAsync(index, candidates[i].SessionId).WaitAsync(cancellationToken);
            }
            if (entries.Count < batch)
                break;
        }
        if (found.Count <= pageSize)
            return new SessionPage(found.Select(f => f.Record).ToList(), null);
        return new SessionPage(found.Take(pageSize).Select(f => f.Record).ToList(), found[pageSize - 1].Position.Encode());
    }

    public async Task AppendFrameAsync(SessionKey key, StoredDragFrame frame, CancellationToken cancellationToken)
    {
        var appended = (long)await Db.ScriptEvaluateAsync(AppendFrameScript,
            [SessionKeyOf(key), FramesKeyOf(key), FramesDragKeyOf(key)],
            [frame.DragId, frame.ToByteArray(), _maxFrames]).WaitAsync(cancellationToken);
        if (appended == 0)
            throw new SessionNotFoundException(key.Id);
    }

    public async Task<IReadOnlyList<StoredDragFrame>> ReadFramesAsync(SessionKey key, string dragId, CancellationToken cancellationToken)
    {
        var db = Db;
        var dragOfFrames = db.StringGetAsync(FramesDragKeyOf(key));
        var frames = db.ListRangeAsync(FramesKeyOf(key));
        if (await dragOfFrames.WaitAsync(cancellationToken) != dragId)
            return [];
        return (await frames.WaitAsync(cancellationToken))
            .Select(bytes => StoredDragFrame.Parser.ParseFrom((byte[])bytes!))
            .Where(frame => frame.DragId == dragId)
            .ToList();
    }

    /// <summary>
    /// Members and scores of a WITHSCORES reply: a flat [member, score, …] array over RESP2,
    /// an array of [member, score] pairs over RESP3.
    /// </summary>
    private static List<PageToken> ScoredMembers(RedisResult[] reply)
    {
        var members = new List<PageToken>();
        if (reply.Length > 0 && reply[0].Resp3Type == ResultType.Array)
        {
            foreach (var pair in reply)
            {
                var items = (RedisResult[])pair!;
                members.Add(new PageToken((long)(double)items[1], (string)items[0]!));
            }
            return members;
        }
        for (var i = 0; i + 1 < reply.Length; i += 2)
            members.Add(new PageToken((long)(double)reply[i + 1], (string)reply[i]!));
        return members;
    }

    private RedisKey SessionKeyOf(SessionKey key) => $"{_prefix}{{{key.Tenant}}}:s:{key.Id}";

    private RedisKey IndexKeyOf(string tenant) => $"{_prefix}{{{tenant}}}:sessions";

    private RedisKey FramesKeyOf(SessionKey key) => $"{_prefix}{{{key.Tenant}}}:f:{key.Id}";

    private RedisKey FramesDragKeyOf(SessionKey key) => $"{_prefix}{{{key.Tenant}}}:fd:{key.Id}";

    private static SessionRecord? Parse(RedisValue[] fields)
    {
        if (fields[0].IsNull || fields[1].IsNull)
            return null;
        return SessionRecord.Versioned(StoredSession.Parser.ParseFrom((byte[])fields[1]!), (long)fields[0]);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
