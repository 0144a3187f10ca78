using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;

namespace DragGan.Sessions.Tests.Storage;

/// <summary>
/// What every <see cref="ISessionStore"/> and <see cref="IDragFrameStore"/> must do, run against
/// SQLite and a real Redis by the subclasses below.
/// </summary>
public abstract class SessionStoreContract(IStoreBackend backend)
{
    private readonly IStoreBackend _backend = backend;

    private const int MaxFrames = 4;
    private static readonly TimeSpan LongTtl = TimeSpan.FromHours(1);

    // Long enough for the writes before the wait even on a loaded machine.
    // Long enough that the writes a test makes before the expiry finish in time on a busy machine.
    protected static readonly TimeSpan ShortTtl = TimeSpan.FromSeconds(3);
    protected static readonly TimeSpan PastShortTtl = TimeSpan.FromSeconds(3.6);

    private readonly (ISessionStore Sessions, IDragFrameStore Frames) _store = backend.Open(Guid.NewGuid().ToString("N"), MaxFrames);

    private ISessionStore Store => _store.Sessions;

    private IDragFrameStore Frames => _store.Frames;

    private static CancellationToken None => CancellationToken.None;

    [Fact]
    public async Task Create_ThenGet_ReturnsTheSessionAtVersion1()
    {
        var session = StoredSessions.New("t1", LongTtl);

        var created = await Store.CreateAsync(session, None);
        var read = await Store.GetAsync(SessionKey.Of(session), None);

        Assert.Equal(1, created.Version);
        Assert.NotNull(read);
        Assert.Equal(1, read.Version);
        Assert.Equal(1ul, read.Value.Session.Version);
        read.Value.Session.Version = 0;
        Assert.Equal(session, read.Value);
    }

    [Fact]
    public async Task Create_WithAnExistingId_Conflicts()
    {
        var session = StoredSessions.New("t1", LongTtl);
        await Store.CreateAsync(session, None);

        await Assert.ThrowsAsync<SessionConflictException>(() => Store.CreateAsync(session, None));
    }

    [Fact]
    public async Task Get_ByAnotherTenant_FindsNothing()
    {
        var session = StoredSessions.New("owner", LongTtl);
        await Store.CreateAsync(session, None);

        Assert.Null(await Store.GetAsync(new SessionKey("intruder", session.Session.Id), None));
        Assert.Null(await Store.GetAsync(new SessionKey("owner", SessionIds.New()), None));
    }

    [Fact]
    public async Task Replace_AtTheCurrentVersion_StoresAndAdvancesTheVersion()
    {
        var session = StoredSessions.New("t1", LongTtl);
        await Store.CreateAsync(session, None);
        session.Session.CurrentIndex = 0;
        session.NextEntryId = 42;

        var replaced = await Store.ReplaceAsync(session.Touched(), 1, None);
        var read = await Store.GetAsync(SessionKey.Of(session), None);

        Assert.Equal(2, replaced.Version);
        Assert.Equal(2, read!.Version);
        Assert.Equal(42ul, read.Value.NextEntryId);
    }

    [Fact]
    public async Task Replace_AtAStaleVersion_ConflictsAndKeepsTheWinner()
    {
        var session = StoredSessions.New("t1", LongTtl);
        await Store.CreateAsync(session, None);
        var winner = session.Clone();
        winner.NextEntryId = 100;
        var loser = session.Clone();
        loser.NextEntryId = 200;

        await Store.ReplaceAsync(winner, 1, None);
        var conflict = await Assert.ThrowsAsync<SessionConflictException>(() => Store.ReplaceAsync(loser, 1, None));

        Assert.Equal(SessionKey.Of(session), conflict.Key);
        Assert.Equal(100ul, (await Store.GetAsync(SessionKey.Of(session), None))!.Value.NextEntryId);
    }

    [Fact]
    public async Task Replace_OfAMissingSession_IsNotFound()
    {
        var session = StoredSessions.New("t1", LongTtl);

        await Assert.ThrowsAsync<SessionNotFoundException>(() => Store.ReplaceAsync(session, 1, None));
    }

    [Fact]
    public async Task UpdateAsync_ManyConcurrentWriters_LoseNoUpdate()
    {
        var session = StoredSessions.New("t1", LongTtl);
        await Store.CreateAsync(session, None);
        var key = SessionKey.Of(session);
        const int writers = 12;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(() =>
            Store.UpdateAsync(key, (s, _) =>
            {
                s.NextEntryId++;
                s.Session.Points.Add(new PointPair { Handle = new Point { X = i }, Target = new Point { Y = i } });
                s.Touched();
            }, attempts: 100, None))));

        var final = (await Store.GetAsync(key, None))!;
        Assert.Equal(1 + writers, final.Version);
        Assert.Equal(2ul + writers, final.Value.NextEntryId);
        Assert.Equal(Enumerable.Range(0, writers).Select(i => (double)i), final.Value.Session.Points.Select(p => p.Handle.X).Order());
    }

    [Fact]
    public async Task Delete_RemovesTheSessionAndItsFrames()
    {
        var session = StoredSessions.New("t1", LongTtl);
        await Store.CreateAsync(session, None);
        var key = SessionKey.Of(session);
        await Frames.AppendFrameAsync(key, StoredSessions.Frame("d1", 1), None);

        Assert.True(await Store.DeleteAsync(key, null, None));

        Assert.Null(await Store.GetAsync(key, None));
        Assert.Empty(await Frames.ReadFramesAsync(key, "d1", None));
        Assert.False(await Store.DeleteAsync(key, null, None));
        Assert.Empty((await Store.ListAsync("t1", 10, null, None)).Sessions);
    }

    [Fact]
    public async Task Delete_AtAnotherVersion_ConflictsAndKeepsTheSession()
    {
        var session = StoredSessions.New("t1", LongTtl);
        await Store.CreateAsync(session, None);

        await Assert.ThrowsAsync<SessionConflictException>(() => Store.DeleteAsync(SessionKey.Of(session), 7, None));

        Assert.NotNull(await Store.GetAsync(SessionKey.Of(session), None));
        Assert.True(await Store.DeleteAsync(SessionKey.Of(session), 1, None));
    }

    [Fact]
    public async Task ExpiredSession_IsGoneForEveryMethod()
    {
        var tenant = $"ttl-{Guid.NewGuid():N}";
        var shortLived = StoredSessions.New(tenant, ShortTtl);
        var longLived = StoredSessions.New(tenant, LongTtl);
        await Store.CreateAsync(shortLived, None);
        await Store.CreateAsync(longLived, None);
        var key = SessionKey.Of(shortLived);
        await Frames.AppendFrameAsync(key, StoredSessions.Frame("d1", 1), None);
        Assert.NotNull(await Store.GetAsync(key, None));

        await Task.Delay(PastShortTtl);

        Assert.Null(await Store.GetAsync(key, None));
        Assert.Equal([longLived.Session.Id], (await Store.ListAsync(tenant, 10, null, None)).Sessions.Select(s => s.Value.Session.Id));
        Assert.Empty(await Frames.ReadFramesAsync(key, "d1", None));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => Store.ReplaceAsync(shortLived.Clone().Touched(LongTtl), 1, None));
        await Assert.ThrowsAsync<SessionNotFoundException>(() => Frames.AppendFrameAsync(key, StoredSessions.Frame("d1", 2), None));
        // The id is free again.
        Assert.Equal(1, (await Store.CreateAsync(shortLived.Clone().Touched(LongTtl), None)).Version);
    }

    [Fact]
    public async Task Replace_MovesTheExpiry()
    {
        var session = StoredSessions.New("t1", ShortTtl);
        await Store.CreateAsync(session, None);

        await Store.ReplaceAsync(session.Clone().Touched(LongTtl), 1, None);
        await Task.Delay(PastShortTtl);

        Assert.NotNull(await Store.GetAsync(SessionKey.Of(session), None));
    }

    [Fact]
    public async Task List_PagesThroughOneTenantsSessions_LatestExpiryFirst()
    {
        var tenant = $"list-{Guid.NewGuid():N}";
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var session = StoredSessions.New(tenant, LongTtl + TimeSpan.FromMinutes(i));
            ids.Add(session.Session.Id);
            await Store.CreateAsync(session, None);
        }
        await Store.CreateAsync(StoredSessions.New($"other-{tenant}", LongTtl), None);

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.ListAsync(tenant, 2, token, None);
            Assert.True(page.Sessions.Count <= 2);
            Assert.All(page.Sessions, s => Assert.Equal(tenant, s.Value.Tenant));
            seen.AddRange(page.Sessions.Select(s => s.Value.Session.Id));
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(ids), seen);
    }

    [Fact]
    public async Task List_SessionsExpiringInTheSameMillisecond_ArePagedWithoutLossOrRepeat()
    {
        var tenant = $"ties-{Guid.NewGuid():N}";
        var template = StoredSessions.New(tenant, LongTtl);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var session = template.Clone();
            session.Session.Id = SessionIds.New();
            ids.Add(session.Session.Id);
            await Store.CreateAsync(session, None);
        }

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await Store.ListAsync(tenant, 2, token, None);
            seen.AddRange(page.Sessions.Select(s => s.Value.Session.Id));
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal(ids.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task List_WithAForgedToken_IsAnArgumentError()
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ListAsync("t1", 2, "not-a-token", None));

        Assert.Equal("page_token", error.ParamName);
    }

    [Fact]
    public async Task Frames_KeepTheMostRecentOfTheLatestDragOnly()
    {
        var session = StoredSessions.New("t1", LongTtl);
        await Store.CreateAsync(session, None);
        var key = SessionKey.Of(session);

        for (uint step = 1; step <= 6; step++)
            await Frames.AppendFrameAsync(key, StoredSessions.Frame("first", step), None);
        var first = await Frames.ReadFramesAsync(key, "first", None);
        await Frames.AppendFrameAsync(key, StoredSessions.Frame("second", 1), None);

        Assert.Equal([3u, 4u, 5u, 6u], first.Select(f => f.Step));
        Assert.Empty(await Frames.ReadFramesAsync(key, "first", None));
        Assert.Equal([1u], (await Frames.ReadFramesAsync(key, "second", None)).Select(f => f.Step));
    }

    [Fact]
    public async Task Frames_StayWithinTheSessionsByteBudget_OldestFirstOut()
    {
        var frameBytes = StoredSessions.Frame("d", 1, Payload).CalculateSize();
        var (store, frames) = _backend.Open(Guid.NewGuid().ToString("N"), new SessionStoreLimits { MaxDragFrames = 100, MaxDragFrameBytesPerSession = 3 * frameBytes });
        var session = StoredSessions.New("t1", LongTtl);
        await store.CreateAsync(session, None);
        var key = SessionKey.Of(session);

        for (uint step = 1; step <= 5; step++)
            Assert.True(await frames.AppendFrameAsync(key, StoredSessions.Frame("d", step, Payload), None));

        Assert.Equal([3u, 4u, 5u], (await frames.ReadFramesAsync(key, "d", None)).Select(f => f.Step));
        // A frame larger than the whole budget is never kept, and takes nothing with it.
        Assert.False(await frames.AppendFrameAsync(key, StoredSessions.Frame("d", 6, 4 * Payload), None));
        Assert.Equal([3u, 4u, 5u], (await frames.ReadFramesAsync(key, "d", None)).Select(f => f.Step));
    }

    [Fact]
    public async Task Frames_OfATenant_StayWithinItsByteBudget_AndItsRoomComesBackWithDeletes()
    {
        var frameBytes = StoredSessions.Frame("d", 1, Payload).CalculateSize();
        var (store, frames) = _backend.Open(Guid.NewGuid().ToString("N"), new SessionStoreLimits
        {
            MaxDragFrames = 100,
            MaxDragFrameBytesPerSession = 3 * frameBytes,
            MaxDragFrameBytesPerTenant = 4 * frameBytes,
        });
        var tenant = $"budget-{Guid.NewGuid():N}";
        var (a, b, c) = (await CreateIn(store, tenant), await CreateIn(store, tenant), await CreateIn(store, tenant));
        for (uint step = 1; step <= 3; step++)
            Assert.True(await frames.AppendFrameAsync(a, StoredSessions.Frame("a", step, Payload), None));
        Assert.True(await frames.AppendFrameAsync(b, StoredSessions.Frame("b", 1, Payload), None));

        // The tenant is full: b makes room out of its own frames, c (which has none) gets none.
        Assert.True(await frames.AppendFrameAsync(b, StoredSessions.Frame("b", 2, Payload), None));
        Assert.False(await frames.AppendFrameAsync(c, StoredSessions.Frame("c", 1, Payload), None));
        Assert.Equal([1u, 2u, 3u], (await frames.ReadFramesAsync(a, "a", None)).Select(f => f.Step));
        Assert.Equal([2u], (await frames.ReadFramesAsync(b, "b", None)).Select(f => f.Step));
        Assert.Empty(await frames.ReadFramesAsync(c, "c", None));

        // Another tenant has its own budget.
        var other = await CreateIn(store, tenant + "-other");
        Assert.True(await frames.AppendFrameAsync(other, StoredSessions.Frame("o", 1, Payload), None));

        await store.DeleteAsync(a, null, None);
        Assert.True(await frames.AppendFrameAsync(c, StoredSessions.Frame("c", 1, Payload), None));
        Assert.Equal([1u], (await frames.ReadFramesAsync(c, "c", None)).Select(f => f.Step));
    }

    [Fact]
    public async Task Frames_OfExpiredSessions_GiveTheirBytesBack()
    {
        var frameBytes = StoredSessions.Frame("d", 1, Payload).CalculateSize();
        var (store, frames) = _backend.Open(Guid.NewGuid().ToString("N"), new SessionStoreLimits
        {
            MaxDragFrames = 100,
            MaxDragFrameBytesPerSession = 2 * frameBytes,
            MaxDragFrameBytesPerTenant = 2 * frameBytes,
        });
        var tenant = $"expiry-{Guid.NewGuid():N}";
        var shortLived = StoredSessions.New(tenant, ShortTtl);
        await store.CreateAsync(shortLived, None);
        var longLived = await CreateIn(store, tenant);
        Assert.True(await frames.AppendFrameAsync(SessionKey.Of(shortLived), StoredSessions.Frame("s", 1, Payload), None));
        Assert.True(await frames.AppendFrameAsync(SessionKey.Of(shortLived), StoredSessions.Frame("s", 2, Payload), None));
        Assert.False(await frames.AppendFrameAsync(longLived, StoredSessions.Frame("l", 1, Payload), None));

        await Task.Delay(PastShortTtl);

        Assert.True(await frames.AppendFrameAsync(longLived, StoredSessions.Frame("l", 1, Payload), None));
        Assert.True(await frames.AppendFrameAsync(longLived, StoredSessions.Frame("l", 2, Payload), None));
    }

    [Fact]
    public async Task List_EndsAPageAtItsByteBudget_AndTheTokenGoesOnWithoutLossOrRepeat()
    {
        var tenant = $"bytes-{Guid.NewGuid():N}";
        var sessions = Enumerable.Range(0, 5).Select(i => StoredSessions.New(tenant, LongTtl + TimeSpan.FromMinutes(i))).ToList();
        var (store, _) = _backend.Open(Guid.NewGuid().ToString("N"), new SessionStoreLimits { MaxPageBytes = sessions[0].CalculateSize() * 5 / 2 });
        foreach (var session in sessions)
            await store.CreateAsync(session, None);

        var pages = new List<int>();
        var listed = new List<string>();
        string? token = null;
        do
        {
            var page = await store.ListAsync(tenant, 100, token, None);
            pages.Add(page.Sessions.Count);
            listed.AddRange(page.Sessions.Select(s => s.Value.Session.Id));
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal([2, 2, 1], pages);
        Assert.Equal(sessions.Select(s => s.Session.Id).Reverse(), listed);
    }

    [Fact]
    public async Task List_WithABudgetSmallerThanOneSession_StillReturnsOneAPage()
    {
        var tenant = $"tiny-{Guid.NewGuid():N}";
        var (store, _) = _backend.Open(Guid.NewGuid().ToString("N"), new SessionStoreLimits { MaxPageBytes = 1 });
        for (var i = 0; i < 2; i++)
            await store.CreateAsync(StoredSessions.New(tenant, LongTtl + TimeSpan.FromMinutes(i)), None);

        var first = await store.ListAsync(tenant, 100, null, None);
        var second = await store.ListAsync(tenant, 100, first.NextPageToken, None);

        Assert.Single(first.Sessions);
        Assert.Single(second.Sessions);
        Assert.Null(second.NextPageToken);
    }

    private const int Payload = 1000;

    private static async Task<SessionKey> CreateIn(ISessionStore store, string tenant)
    {
        var session = StoredSessions.New(tenant, LongTtl);
        await store.CreateAsync(session, None);
        return SessionKey.Of(session);
    }

    [Fact]
    public async Task Frames_OfAMissingSession_AreRefused()
    {
        await Assert.ThrowsAsync<SessionNotFoundException>(() =>
            Frames.AppendFrameAsync(new SessionKey("t1", SessionIds.New()), StoredSessions.Frame("d", 1), None));
    }
}

public sealed class SqliteSessionStoreTests(SqliteBackend backend) : SessionStoreContract(backend), IClassFixture<SqliteBackend>
{
    [Fact]
    public async Task Sweep_DeletesExpiredRowsAndOrphanedFrames()
    {
        var store = new SqliteSessionStore(backend.PathOf("sweep"), new SessionStoreLimits { MaxDragFrames = 4 }, TimeProvider.System);
        var session = StoredSessions.New("t1", ShortTtl);
        await store.CreateAsync(session, CancellationToken.None);
        await store.AppendFrameAsync(SessionKey.Of(session), StoredSessions.Frame("d", 1), CancellationToken.None);
        await Task.Delay(PastShortTtl);

        Assert.Equal(1, await store.SweepAsync(CancellationToken.None));
        Assert.Equal(0, await store.SweepAsync(CancellationToken.None));
    }
}

public sealed class RedisSessionStoreTests(RedisBackend backend) : SessionStoreContract(backend), IClassFixture<RedisBackend>
{
    [Fact]
    public async Task Keys_ExpireInRedisItself()
    {
        var store = backend.Open("expiry", 4).Sessions;
        var session = StoredSessions.New("t1", TimeSpan.FromSeconds(30));
        await store.CreateAsync(session, CancellationToken.None);

        var ttl = await backend.Server.Connection.GetDatabase().KeyTimeToLiveAsync($"test:expiry:{{t1}}:s:{session.Session.Id}");

        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
    }
}
