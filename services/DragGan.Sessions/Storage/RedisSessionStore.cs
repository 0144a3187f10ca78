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
/// frames (a list), <c>P{tenant}:fd:id</c> that drag's id, and <c>P{tenant}:fb</c> the bytes of
/// the tenant's kept frames and sessions (a hash: frames per session id and their sum under
/// <c>#</c>, the session's own bytes under <c>s:id</c> and their sum under <c>#s</c>), which the
/// tenant's quotas are checked against (<see cref="SessionStoreLimits"/>). The braces are
/// a Redis Cluster hash tag: a tenant's keys share a slot, so every script touches one slot.
/// Frames expire with their session, which Redis does by itself, so the byte counts of sessions
/// that expired are given back whenever the tenant's index drops them (on create, list and append).
/// </remarks>
public sealed class RedisSessionStore : ISessionStore, IDragFrameStore, IStoreUsageReader
{
    // Lua shared by the scripts below. Removes the index's expired ids and gives back their frames'
    // bytes (KEYS[index], KEYS[bytes], now ms); keeps the bytes hash living as long as its sessions.
    private const string Helpers = """
        local function release(bytes, id)
          local held = redis.call('HGET', bytes, id)
          if held then
            redis.call('HINCRBY', bytes, '#', -tonumber(held))
            redis.call('HDEL', bytes, id)
          end
          local own = redis.call('HGET', bytes, 's:' .. id)
          if own then
            redis.call('HINCRBY', bytes, '#s', -tonumber(own))
            redis.call('HDEL', bytes, 's:' .. id)
          end
        end
        local function stored(bytes)
          return tonumber(redis.call('HGET', bytes, '#') or '0') + tonumber(redis.call('HGET', bytes, '#s') or '0')
        end
        local function release_expired(index, bytes, now)
          for _, id in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', now)) do
            release(bytes, id)
          end
          redis.call('ZREMRANGEBYSCORE', index, '-inf', now)
        end
        local function outlive(key, expires_at, now)
          local ttl = redis.call('PTTL', key)
          if ttl == -1 or (ttl >= 0 and ttl < tonumber(expires_at) - tonumber(now)) then
            redis.call('PEXPIREAT', key, expires_at)
          end
        end
        """;

    // KEYS: session, index, bytes. ARGV: data, expires-at ms, id, now ms, max sessions, max stored bytes.
    // Returns {1} when created, {0} when the id exists, {-1} at the session quota, {-2, stored} at the bytes quota.
    private const string CreateScript = Helpers + "\n" + """
        if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
        release_expired(KEYS[2], KEYS[3], ARGV[4])
        if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then return {-1} end
        local size = string.len(ARGV[1])
        local held = stored(KEYS[3])
        if held + size > tonumber(ARGV[6]) then return {-2, held} end
        redis.call('HSET', KEYS[1], 'v', 1, 'd', ARGV[1])
        redis.call('PEXPIREAT', KEYS[1], ARGV[2])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
        redis.call('HSET', KEYS[3], 's:' .. ARGV[3], size)
        redis.call('HINCRBY', KEYS[3], '#s', size)
        outlive(KEYS[2], ARGV[2], ARGV[4])
        outlive(KEYS[3], ARGV[2], ARGV[4])
        return {1}
        """;

    // KEYS: session, index, frames, frames' drag id, bytes. ARGV: expected version, data, expires-at ms, id, now ms.
    // Returns the new version, 0 on a version mismatch, -1 when the session is gone.
    private const string ReplaceScript = Helpers + "\n" + """
        local v = redis.call('HGET', KEYS[1], 'v')
        if not v then return -1 end
        if v ~= ARGV[1] then return 0 end
        local next = tonumber(v) + 1
        redis.call('HSET', KEYS[1], 'v', next, 'd', ARGV[2])
        redis.call('PEXPIREAT', KEYS[1], ARGV[3])
        redis.call('PEXPIREAT', KEYS[3], ARGV[3])
        redis.call('PEXPIREAT', KEYS[4], ARGV[3])
        redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
        local size = string.len(ARGV[2])
        local own = tonumber(redis.call('HGET', KEYS[5], 's:' .. ARGV[4]) or '0')
        redis.call('HSET', KEYS[5], 's:' .. ARGV[4], size)
        redis.call('HINCRBY', KEYS[5], '#s', size - own)
        outlive(KEYS[2], ARGV[3], ARGV[5])
        outlive(KEYS[5], ARGV[3], ARGV[5])
        return next
        """;

    // KEYS: session, index, frames, frames' drag id, bytes. ARGV: expected version or '', id.
    // Returns 1 when deleted, 0 when absent, -2 on a version mismatch.
    private const string DeleteScript = Helpers + "\n" + """
        local v = redis.call('HGET', KEYS[1], 'v')
        if not v then
          redis.call('ZREM', KEYS[2], ARGV[2])
          release(KEYS[5], ARGV[2])
          return 0
        end
        if ARGV[1] ~= '' and v ~= ARGV[1] then return -2 end
        redis.call('ZREM', KEYS[2], ARGV[2])
        release(KEYS[5], ARGV[2])
        redis.call('DEL', KEYS[1], KEYS[3], KEYS[4])
        return 1
        """;

    // KEYS: session, frames, frames' drag id, index, bytes.
    // ARGV: drag id, frame bytes, max frames, max session bytes, max tenant frame bytes, now ms, id,
    // max tenant stored bytes (its sessions take their part of it first).
    // Returns 0 when the session is gone, 1 when the frame was kept, 2 when it did not fit. The
    // frames expire with the session.
    private const string AppendFrameScript = Helpers + "\n" + """
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then return 0 end
        release_expired(KEYS[4], KEYS[5], ARGV[6])
        local id = ARGV[7]
        local size = string.len(ARGV[2])
        local max_frames, max_session = tonumber(ARGV[3]), tonumber(ARGV[4])
        local max_tenant = math.min(tonumber(ARGV[5]), tonumber(ARGV[8]) - tonumber(redis.call('HGET', KEYS[5], '#s') or '0'))
        local held = tonumber(redis.call('HGET', KEYS[5], id) or '0')
        local total = tonumber(redis.call('HGET', KEYS[5], '#') or '0')
        if redis.call('GET', KEYS[3]) ~= ARGV[1] then
          redis.call('DEL', KEYS[2])
          redis.call('SET', KEYS[3], ARGV[1])
          total = total - held
          held = 0
        end
        local kept = 2
        if size <= max_session and total - held + size <= max_tenant then
          while redis.call('LLEN', KEYS[2]) > 0 and (redis.call('LLEN', KEYS[2]) >= max_frames
              or held + size > max_session or total + size > max_tenant) do
            local dropped = string.len(redis.call('LPOP', KEYS[2]))
            held = held - dropped
            total = total - dropped
          end
          redis.call('RPUSH', KEYS[2], ARGV[2])
          held = held + size
          total = total + size
          kept = 1
        end
        if held > 0 then redis.call('HSET', KEYS[5], id, held) else redis.call('HDEL', KEYS[5], id) end
        redis.call('HSET', KEYS[5], '#', total)
        redis.call('PEXPIRE', KEYS[2], ttl)
        redis.call('PEXPIRE', KEYS[3], ttl)
        outlive(KEYS[5], tonumber(ARGV[6]) + ttl, ARGV[6])
        return kept
        """;

    // KEYS: index, bytes. ARGV: now ms. Listing reads whole pages in one go below; this trims first.
    private const string TrimIndexScript = Helpers + "\n" + """
        release_expired(KEYS[1], KEYS[2], ARGV[1])
        return 1
        """;

    // KEYS: index, bytes. ARGV: now ms. Returns the tenant's sessions and stored bytes.
    private const string UsageScript = Helpers + "\n" + """
        release_expired(KEYS[1], KEYS[2], ARGV[1])
        return {redis.call('ZCARD', KEYS[1]), stored(KEYS[2])}
        """;

    // KEYS: index, bytes. ARGV: id. A listed id whose session is gone (it expired just now).
    private const string ForgetScript = Helpers + "\n" + """
        redis.call('ZREM', KEYS[1], ARGV[1])
        release(KEYS[2], ARGV[1])
        return 1
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly SessionStoreLimits _limits;
    private readonly TimeProvider _time;

    public RedisSessionStore(IConnectionMultiplexer redis, IOptions<SessionsOptions> options, TimeProvider time)
        : this(redis, options.Value.RedisKeyPrefix, SessionStoreLimits.From(options.Value), time)
    {
    }

    public RedisSessionStore(IConnectionMultiplexer redis, string keyPrefix, SessionStoreLimits limits, TimeProvider time)
    {
        _redis = redis;
        _prefix = keyPrefix;
        _limits = limits;
        _time = time;
    }

    private IDatabase Db => _redis.GetDatabase();

    public async Task<SessionRecord> CreateAsync(StoredSession session, CancellationToken cancellationToken)
    {
        var key = SessionKey.Of(session);
        var data = session.ToByteArray();
        var created = (RedisResult[])(await Db.ScriptEvaluateAsync(CreateScript,
            [SessionKeyOf(key), IndexKeyOf(key.Tenant), FrameBytesKeyOf(key.Tenant)],
            [data, SessionRecord.ExpiresAtMs(session), key.Id, NowMs(), _limits.MaxSessionsPerTenant, _limits.MaxStoredBytesPerTenant])
            .WaitAsync(cancellationToken))!;
        return (long)created[0] switch
        {
            0 => throw new SessionConflictException(key, "a session with this id exists."),
            -1 => throw StoreQuotaExceededException.Sessions(key.Tenant, _limits.MaxSessionsPerTenant),
            -2 => throw StoreQuotaExceededException.StoredBytes(key.Tenant, _limits.MaxStoredBytesPerTenant, (long)created[1], data.Length),
            _ => SessionRecord.Versioned(session.Clone(), 1),
        };
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
            [SessionKeyOf(key), IndexKeyOf(key.Tenant), FramesKeyOf(key), FramesDragKeyOf(key), FrameBytesKeyOf(key.Tenant)],
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
            [SessionKeyOf(key), IndexKeyOf(key.Tenant), FramesKeyOf(key), FramesDragKeyOf(key), FrameBytesKeyOf(key.Tenant)],
            [expectedVersion is { } v ? v : "", key.Id]).WaitAsync(cancellationToken);
        if (result == -2)
            throw new SessionConflictException(key, $"it is not at version {expectedVersion}.");
        return result == 1;
    }

    public async Task<TenantUsage> TenantUsageAsync(string tenant, CancellationToken cancellationToken)
    {
        var usage = (RedisResult[])(await Db.ScriptEvaluateAsync(UsageScript, [IndexKeyOf(tenant), FrameBytesKeyOf(tenant)], [NowMs()])
            .WaitAsync(cancellationToken))!;
        return new TenantUsage((long)usage[0], (long)usage[1]);
    }

    /// <summary>Redis's used_memory and maxmemory (none when 0), from INFO memory.</summary>
    public async Task<StoreUsage> ReadAsync(CancellationToken cancellationToken)
    {
        // Through a script: the client refuses INFO itself outside its admin mode, which this connection has no need of.
        var info = (string)(await Db.ScriptEvaluateAsync("return redis.call('INFO', 'memory')").WaitAsync(cancellationToken))!;
        long Field(string name) => info.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith(name + ":", StringComparison.Ordinal)) is { } line
            ? long.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        var limit = Field("maxmemory");
        return new StoreUsage(Field("used_memory"), limit > 0 ? limit : null);
    }

    public async Task<SessionPage> ListAsync(string tenant, int pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var after = pageToken is null ? (PageToken?)null : PageToken.Decode(pageToken);
        var db = Db;
        var index = IndexKeyOf(tenant);
        var bytesKey = FrameBytesKeyOf(tenant);
        var now = NowMs();
        await db.ScriptEvaluateAsync(TrimIndexScript, [index, bytesKey], [now]).WaitAsync(cancellationToken);

        // Keyset paging by (expiry, id) descending, the order ZREVRANGEBYSCORE gives (equal
        // scores come in reverse lexicographic order of the ids). Each batch's sizes are read
        // first (HSTRLEN), so that only sessions within the page's byte budget are loaded. Ids
        // whose session has gone (expired between the trim and the read) are forgotten and skipped.
        var found = new List<(SessionRecord Record, PageToken Position)>();
        var max = after is { } a ? a.ExpiresAtMs.ToString(System.Globalization.CultureInfo.InvariantCulture) : "+inf";
        var batch = pageSize + 1;
        long bytes = 0;
        var full = false;
        for (long offset = 0; found.Count <= pageSize && !full; offset += batch)
        {
            var entries = ScoredMembers((RedisResult[])(await db.ExecuteAsync("ZREVRANGEBYSCORE", index, max, $"({now}", "WITHSCORES", "LIMIT", offset, batch)
                .WaitAsync(cancellationToken))!);
            if (entries.Count == 0)
                break;
            var candidates = entries.Where(position => after is not { } last || position.ExpiresAtMs != last.ExpiresAtMs
                || string.CompareOrdinal(position.SessionId, last.SessionId) < 0).ToList();
            var sizes = await Task.WhenAll(candidates.Select(c => db.HashStringLengthAsync(SessionKeyOf(new SessionKey(tenant, c.SessionId)), "d")))
                .WaitAsync(cancellationToken);
            var within = new List<PageToken>();
            for (var i = 0; i < candidates.Count && found.Count + within.Count <= pageSize; i++)
            {
                if (sizes[i] == 0)
                {
                    await db.ScriptEvaluateAsync(ForgetScript, [index, bytesKey], [candidates[i].SessionId]).WaitAsync(cancellationToken);
                    continue;
                }
                if (found.Count + within.Count > 0 && bytes + sizes[i] > _limits.MaxPageBytes)
                {
                    full = true;
                    break;
                }
                bytes += sizes[i];
                within.Add(candidates[i]);
            }
            var records = await Task.WhenAll(within.Select(c => db.HashGetAsync(SessionKeyOf(new SessionKey(tenant, c.SessionId)), ["v", "d"])))
                .WaitAsync(cancellationToken);
            for (var i = 0; i < within.Count; i++)
            {
                if (Parse(records[i]) is { } record)
                    found.Add((record, within[i]));
                else
                    await db.ScriptEvaluateAsync(ForgetScript, [index, bytesKey], [within[i].SessionId]).WaitAsync(cancellationToken);
            }
            if (entries.Count < batch)
                break;
        }
        if (full && found.Count > 0 && found.Count <= pageSize)
            return new SessionPage(found.Select(f => f.Record).ToList(), found[^1].Position.Encode());
        if (found.Count <= pageSize)
            return new SessionPage(found.Select(f => f.Record).ToList(), null);
        return new SessionPage(found.Take(pageSize).Select(f => f.Record).ToList(), found[pageSize - 1].Position.Encode());
    }

    public async Task<bool> AppendFrameAsync(SessionKey key, StoredDragFrame frame, CancellationToken cancellationToken)
    {
        var appended = (long)await Db.ScriptEvaluateAsync(AppendFrameScript,
            [SessionKeyOf(key), FramesKeyOf(key), FramesDragKeyOf(key), IndexKeyOf(key.Tenant), FrameBytesKeyOf(key.Tenant)],
            [frame.DragId, frame.ToByteArray(), _limits.MaxDragFrames, _limits.MaxDragFrameBytesPerSession, _limits.MaxDragFrameBytesPerTenant, NowMs(), key.Id,
                _limits.MaxStoredBytesPerTenant])
            .WaitAsync(cancellationToken);
        if (appended == 0)
            throw new SessionNotFoundException(key.Id);
        return appended == 1;
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

    private RedisKey FrameBytesKeyOf(string tenant) => $"{_prefix}{{{tenant}}}:fb";

    private static SessionRecord? Parse(RedisValue[] fields)
    {
        if (fields[0].IsNull || fields[1].IsNull)
            return null;
        return SessionRecord.Versioned(StoredSession.Parser.ParseFrom((byte[])fields[1]!), (long)fields[0]);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
