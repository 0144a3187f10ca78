using DragGan.Protos.V1;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf;

namespace DragGan.Sessions.Tests.Storage;

/// <summary>
/// A tenant's quotas as every store keeps them (<see cref="SessionStoreLimits.MaxSessionsPerTenant"/>,
/// <see cref="SessionStoreLimits.MaxStoredBytesPerTenant"/>): counted over its unexpired sessions and
/// their frames, checked as the session is written, and never another tenant's concern.
/// </summary>
public abstract class TenantQuotaContract(IStoreBackend backend)
{
    private static readonly TimeSpan LongTtl = TimeSpan.FromHours(1);
    private static CancellationToken None => CancellationToken.None;

    private ISessionStore Open(SessionStoreLimits limits) => backend.Open(Guid.NewGuid().ToString("N"), limits).Sessions;

    private static long SizeOf(StoredSession session) => session.CalculateSize();

    [Fact]
    public async Task Create_BeyondTheSessionQuota_IsRefusedNamingIt_WhileAnotherTenantCreates()
    {
        var store = Open(new SessionStoreLimits { MaxSessionsPerTenant = 2 });
        await store.CreateAsync(StoredSessions.New("t1", LongTtl), None);
        await store.CreateAsync(StoredSessions.New("t1", LongTtl), None);

        var refused = await Assert.ThrowsAsync<StoreQuotaExceededException>(() => store.CreateAsync(StoredSessions.New("t1", LongTtl), None));
        await store.CreateAsync(StoredSessions.New("t2", LongTtl), None);

        Assert.Contains("has 2 sessions", refused.Message);
        Assert.Contains("Sessions:TenantQuota:Sessions", refused.Message);
        Assert.Equal(2, (await store.TenantUsageAsync("t1", None)).Sessions);
        Assert.Equal(1, (await store.TenantUsageAsync("t2", None)).Sessions);
    }

    [Fact]
    public async Task Deleting_AndExpiring_GiveTheQuotaBack()
    {
        var store = Open(new SessionStoreLimits { MaxSessionsPerTenant = 2 });
        var kept = await store.CreateAsync(StoredSessions.New("t1", LongTtl), None);
        // Long enough that a loaded machine still refuses the next create before it expires.
        var shortTtl = TimeSpan.FromSeconds(5);
        await store.CreateAsync(StoredSessions.New("t1", shortTtl), None);
        await Assert.ThrowsAsync<StoreQuotaExceededException>(() => store.CreateAsync(StoredSessions.New("t1", LongTtl), None));

        await Task.Delay(shortTtl + TimeSpan.FromSeconds(0.5));
        await store.CreateAsync(StoredSessions.New("t1", LongTtl), None);
        await store.DeleteAsync(kept.Key, null, None);
        await store.CreateAsync(StoredSessions.New("t1", LongTtl), None);

        Assert.Equal(2, (await store.TenantUsageAsync("t1", None)).Sessions);
    }

    [Fact]
    public async Task StoredBytes_CountSessionsAndTheirFrames_AndRefuseTheCreateThatWouldPassThem()
    {
        var first = StoredSessions.New("t1", LongTtl);
        var size = SizeOf(first);
        var frame = StoredSessions.Frame("d", 1, payload: 4096);
        var quota = 2 * size + frame.CalculateSize() + 100;
        var (store, frames) = backend.Open(Guid.NewGuid().ToString("N"), new SessionStoreLimits { MaxStoredBytesPerTenant = quota, MaxDragFrames = 10 });
        await store.CreateAsync(first, None);
        // Each session's size of its own: their timestamps' encodings may differ by a few bytes.
        var second = StoredSessions.New("t1", LongTtl);
        await store.CreateAsync(second, None);
        Assert.True(await frames.AppendFrameAsync(SessionKey.Of(first), frame, None));

        var usage = await store.TenantUsageAsync("t1", None);
        var refused = await Assert.ThrowsAsync<StoreQuotaExceededException>(() => store.CreateAsync(StoredSessions.New("t1", LongTtl), None));
        // A second frame fits only in place of the first: the quota leaves no room beside it.
        var replacing = await frames.AppendFrameAsync(SessionKey.Of(first), StoredSessions.Frame("d", 2, payload: 4096), None);

        Assert.Equal(size + SizeOf(second) + frame.CalculateSize(), usage.StoredBytes);
        Assert.Contains("Sessions:TenantQuota:StoredBytes", refused.Message);
        Assert.Contains($"quota of {quota} bytes", refused.Message);
        Assert.True(replacing);
        Assert.Equal([2u], (await frames.ReadFramesAsync(SessionKey.Of(first), "d", None)).Select(f => f.Step));
        await store.CreateAsync(StoredSessions.New("t2", LongTtl), None);
    }

    [Fact]
    public async Task Replacing_FollowsTheSessionsSize_AndIsNeverRefusedByTheQuota()
    {
        var session = StoredSessions.New("t1", LongTtl);
        var store = Open(new SessionStoreLimits { MaxStoredBytesPerTenant = SizeOf(session) + 10 });
        var created = await store.CreateAsync(session, None);

        var grown = created.Value.Clone();
        grown.Session.History.Add(new HistoryEntry { Id = 2, Kind = HistoryEntryKind.Drag, Latent = grown.Session.History[0].Latent.Clone(), DragId = "d" });
        grown.Session.Version = 0;
        var replaced = await store.ReplaceAsync(grown.Touched(), created.Version, None);
        var usage = await store.TenantUsageAsync("t1", None);

        Assert.Equal(2, replaced.Version);
        Assert.Equal(SizeOf(grown), usage.StoredBytes);
        await Assert.ThrowsAsync<StoreQuotaExceededException>(() => store.CreateAsync(StoredSessions.New("t1", LongTtl), None));
        await store.DeleteAsync(created.Key, null, None);
        Assert.Equal(new TenantUsage(0, 0), await store.TenantUsageAsync("t1", None));
    }
}

public sealed class SqliteTenantQuotaTests(SqliteBackend backend) : TenantQuotaContract(backend), IClassFixture<SqliteBackend>;

public sealed class RedisTenantQuotaTests(RedisBackend backend) : TenantQuotaContract(backend), IClassFixture<RedisBackend>;
