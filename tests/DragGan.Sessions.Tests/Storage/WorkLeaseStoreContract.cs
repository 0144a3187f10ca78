using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;

namespace DragGan.Sessions.Tests.Storage;

/// <summary>
/// What every <see cref="IWorkLeaseStore"/> must do, run against SQLite and a real Redis by the
/// subclasses below: weighted per-tenant capacity, exclusive ids, expiry of leases nobody renews.
/// </summary>
public abstract class WorkLeaseStoreContract(IStoreBackend backend)
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    private readonly IWorkLeaseStore _leases = backend.OpenLeases(Guid.NewGuid().ToString("N"));

    private static CancellationToken None => CancellationToken.None;

    private static WorkLease Lease(string id, string holder = "replica-a", int weight = 1, string tenant = "t1", WorkKind kind = WorkKind.Drag) =>
        new(tenant, kind, id, holder, weight);

    [Fact]
    public async Task Acquire_GrantsUpToTheCapacity_ThenRefusesWithTheWeightInUse()
    {
        Assert.True((await _leases.TryAcquireAsync(Lease("a", weight: 2), 5, Long, None)).Granted);
        Assert.True((await _leases.TryAcquireAsync(Lease("b", weight: 3), 5, Long, None)).Granted);

        var refused = await _leases.TryAcquireAsync(Lease("c", weight: 1), 5, Long, None);

        Assert.Equal(LeaseGrant.Full(5), refused);
    }

    [Fact]
    public async Task ALeaseAlone_IsGrantedHoweverHeavy_ButNothingBeside()
    {
        Assert.True((await _leases.TryAcquireAsync(Lease("big", weight: 10_000, kind: WorkKind.InversionSteps), 2000, Long, None)).Granted);

        var second = await _leases.TryAcquireAsync(Lease("small", weight: 1, kind: WorkKind.InversionSteps), 2000, Long, None);

        Assert.False(second.Granted);
        Assert.Equal(10_000, second.InUse);
    }

    [Fact]
    public async Task AnIdHeldByAnotherHolder_IsRefusedNamingIt_AndItsOwnHolderRenewsIt()
    {
        Assert.True((await _leases.TryAcquireAsync(Lease("drag-1", "replica-a"), int.MaxValue, Long, None)).Granted);

        var other = await _leases.TryAcquireAsync(Lease("drag-1", "replica-b"), int.MaxValue, Long, None);
        var same = await _leases.TryAcquireAsync(Lease("drag-1", "replica-a"), int.MaxValue, Long, None);

        Assert.Equal(LeaseGrant.Held("replica-a"), other);
        Assert.True(same.Granted);
        Assert.Equal("replica-a", await _leases.HolderAsync("t1", WorkKind.Drag, "drag-1", None));
    }

    [Fact]
    public async Task Release_FreesTheCapacityAndTheId()
    {
        var lease = Lease("a");
        await _leases.TryAcquireAsync(lease, 1, Long, None);
        Assert.False((await _leases.TryAcquireAsync(Lease("b"), 1, Long, None)).Granted);

        await _leases.ReleaseAsync(Lease("a", "replica-b"), None); // not its holder: nothing happens
        Assert.Equal("replica-a", await _leases.HolderAsync("t1", WorkKind.Drag, "a", None));
        await _leases.ReleaseAsync(lease, None);

        Assert.Null(await _leases.HolderAsync("t1", WorkKind.Drag, "a", None));
        Assert.True((await _leases.TryAcquireAsync(Lease("b"), 1, Long, None)).Granted);
    }

    [Fact]
    public async Task ALeaseThatLapsedWhileNobodyTookIt_IsHeldAgainByItsHoldersRenewal()
    {
        var late = Lease("drag-1", "slow-replica");
        await _leases.TryAcquireAsync(late, 1, TimeSpan.FromMilliseconds(300), None);
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        Assert.Null(await _leases.HolderAsync("t1", WorkKind.Drag, "drag-1", None));

        Assert.True(await _leases.RenewAsync(late, Long, None));

        Assert.Equal("slow-replica", await _leases.HolderAsync("t1", WorkKind.Drag, "drag-1", None));
        Assert.Equal(LeaseGrant.Held("slow-replica"), await _leases.TryAcquireAsync(Lease("drag-1", "replica-b"), 1, Long, None));
    }

    [Fact]
    public async Task ALeaseNobodyRenews_Expires_AndAnotherHolderTakesIt()
    {
        var firstTerm = TimeSpan.FromSeconds(2);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await _leases.TryAcquireAsync(Lease("drag-1", "dead-replica"), 1, TimeSpan.FromMilliseconds(500), None);
        var renewed = Lease("drag-2", "live-replica", tenant: "t2");
        await _leases.TryAcquireAsync(renewed, 1, firstTerm, None);

        // Renewed once with a long term, the live lease outlasts its first term; the other is not
        // renewed. Only lower bounds are timed, so a slow machine cannot fail this.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True(await _leases.RenewAsync(renewed, Long, None));
        var pastFirstTerm = firstTerm + TimeSpan.FromMilliseconds(500) - clock.Elapsed;
        if (pastFirstTerm > TimeSpan.Zero)
            await Task.Delay(pastFirstTerm);

        Assert.Null(await _leases.HolderAsync("t1", WorkKind.Drag, "drag-1", None));
        Assert.Equal("live-replica", await _leases.HolderAsync("t2", WorkKind.Drag, "drag-2", None));
        Assert.True((await _leases.TryAcquireAsync(Lease("drag-1", "replica-b"), 1, Long, None)).Granted);
        Assert.False(await _leases.RenewAsync(Lease("drag-1", "dead-replica"), Long, None));
    }

    [Fact]
    public async Task TenantsAndKinds_HaveTheirOwnCapacity()
    {
        Assert.True((await _leases.TryAcquireAsync(Lease("a", tenant: "t1"), 1, Long, None)).Granted);

        Assert.True((await _leases.TryAcquireAsync(Lease("b", tenant: "t2"), 1, Long, None)).Granted);
        Assert.True((await _leases.TryAcquireAsync(Lease("c", tenant: "t1", kind: WorkKind.Generation), 1, Long, None)).Granted);
        Assert.False((await _leases.TryAcquireAsync(Lease("d", tenant: "t1"), 1, Long, None)).Granted);
    }
}

public sealed class SqliteWorkLeaseStoreTests(SqliteBackend backend) : WorkLeaseStoreContract(backend), IClassFixture<SqliteBackend>;

public sealed class RedisWorkLeaseStoreTests(RedisBackend backend) : WorkLeaseStoreContract(backend), IClassFixture<RedisBackend>;
