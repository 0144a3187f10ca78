using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DragGan.Sessions.Storage;

/// <summary>
/// Work leases in Redis. Per tenant and kind a hash of lease id to "weight|holder" and a sorted
/// set of lease id by expiry (Unix ms); every change is one Lua script, which first drops the
/// expired leases, so that a process that died gives its leases back when they expire. Both keys
/// expire with their last lease.
/// </summary>
/// <remarks>
/// Keys (<c>P</c> = <see cref="SessionsOptions.RedisKeyPrefix"/>): <c>P{tenant}:lease:kind</c> and
/// <c>P{tenant}:lease:kind:until</c>, in the tenant's hash slot like its sessions.
/// </remarks>
public sealed class RedisWorkLeaseStore : IWorkLeaseStore
{
    // Shared by the scripts: the holder of a "weight|holder" value, and the keys' expiry.
    private const string Helpers = """
        local function holder_of(value) return string.sub(value, string.find(value, '|', 1, true) + 1) end
        local function expire_with_last(leases, expiries)
          local last = redis.call('ZRANGE', expiries, -1, -1, 'WITHSCORES')
          if #last == 2 then
            redis.call('PEXPIREAT', leases, last[2])
            redis.call('PEXPIREAT', expiries, last[2])
          end
        end
        """ + "\n";

    // KEYS: leases, expiries. ARGV: id, holder, weight, capacity, now ms, until ms.
    // Returns {1, ''} granted, {0, holder} held by another holder, {-1, weight in use} full.
    private const string AcquireScript = Helpers + """
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])) do
          redis.call('HDEL', KEYS[1], id)
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[5])
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if current then
          local holder = holder_of(current)
          if holder ~= ARGV[2] then return {0, holder} end
        else
          local used, count = 0, 0
          for _, value in ipairs(redis.call('HVALS', KEYS[1])) do
            used = used + tonumber(string.sub(value, 1, string.find(value, '|', 1, true) - 1))
            count = count + 1
          end
          if count > 0 and used + tonumber(ARGV[3]) > tonumber(ARGV[4]) then return {-1, tostring(used)} end
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[3] .. '|' .. ARGV[2])
        end
        redis.call('ZADD', KEYS[2], ARGV[6], ARGV[1])
        expire_with_last(KEYS[1], KEYS[2])
        return {1, ''}
        """;

    // KEYS: leases, expiries. ARGV: id, holder, weight, until ms. Returns 1 when renewed (or held
    // again after it lapsed unclaimed), 0 when another holder has it.
    private const string RenewScript = Helpers + """
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if current and holder_of(current) ~= ARGV[2] then return 0 end
        if not current then redis.call('HSET', KEYS[1], ARGV[1], ARGV[3] .. '|' .. ARGV[2]) end
        redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
        expire_with_last(KEYS[1], KEYS[2])
        return 1
        """;

    // KEYS: leases, expiries. ARGV: id, holder.
    private const string ReleaseScript = Helpers + """
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        if current and holder_of(current) == ARGV[2] then
          redis.call('HDEL', KEYS[1], ARGV[1])
          redis.call('ZREM', KEYS[2], ARGV[1])
        end
        return 1
        """;

    // KEYS: leases, expiries. ARGV: id, now ms. Returns the holder of the unexpired lease, or nil.
    private const string HolderScript = Helpers + """
        local current = redis.call('HGET', KEYS[1], ARGV[1])
        local until_ms = redis.call('ZSCORE', KEYS[2], ARGV[1])
        if not current or not until_ms or tonumber(until_ms) <= tonumber(ARGV[2]) then return false end
        return holder_of(current)
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly TimeProvider _time;

    public RedisWorkLeaseStore(IConnectionMultiplexer redis, IOptions<SessionsOptions> options, TimeProvider time)
        : this(redis, options.Value.RedisKeyPrefix, time)
    {
    }

    public RedisWorkLeaseStore(IConnectionMultiplexer redis, string keyPrefix, TimeProvider time)
    {
        _redis = redis;
        _prefix = keyPrefix;
        _time = time;
    }

    private IDatabase Db => _redis.GetDatabase();

    public async Task<LeaseGrant> TryAcquireAsync(WorkLease lease, int capacity, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = NowMs();
        var reply = (RedisResult[])(await Db.ScriptEvaluateAsync(AcquireScript, KeysOf(lease.Tenant, lease.Kind),
            [lease.Id, lease.Holder, lease.Weight, capacity, now, now + (long)duration.TotalMilliseconds]).WaitAsync(cancellationToken))!;
        return (long)reply[0] switch
        {
            1 => LeaseGrant.Yes,
            0 => LeaseGrant.Held((string)reply[1]!),
            _ => LeaseGrant.Full(int.Parse((string)reply[1]!, System.Globalization.CultureInfo.InvariantCulture)),
        };
    }

    public async Task<bool> RenewAsync(WorkLease lease, TimeSpan duration, CancellationToken cancellationToken) =>
        (long)await Db.ScriptEvaluateAsync(RenewScript, KeysOf(lease.Tenant, lease.Kind),
            [lease.Id, lease.Holder, lease.Weight, NowMs() + (long)duration.TotalMilliseconds]).WaitAsync(cancellationToken) == 1;

    public async Task ReleaseAsync(WorkLease lease, CancellationToken cancellationToken) =>
        await Db.ScriptEvaluateAsync(ReleaseScript, KeysOf(lease.Tenant, lease.Kind), [lease.Id, lease.Holder]).WaitAsync(cancellationToken);

    public async Task<string?> HolderAsync(string tenant, WorkKind kind, string id, CancellationToken cancellationToken)
    {
        var reply = await Db.ScriptEvaluateAsync(HolderScript, KeysOf(tenant, kind), [id, NowMs()]).WaitAsync(cancellationToken);
        return reply.IsNull ? null : (string?)reply;
    }

    private RedisKey[] KeysOf(string tenant, WorkKind kind)
    {
        var leases = $"{_prefix}{{{tenant}}}:lease:{kind.ToString().ToLowerInvariant()}";
        return [leases, $"{leases}:until"];
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
