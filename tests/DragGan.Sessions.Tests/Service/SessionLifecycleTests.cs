using System.Text;
using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// Creating, reading, listing, expiring and deleting sessions, and the model list. Over real gRPC,
/// with a real inference server, against each store.
/// </summary>
public abstract class SessionLifecycleTests(InferenceServer inference, IStoreBackend backend) : SessionServiceTests(inference, backend)
{
    [Fact]
    public void TheHost_UsesTheStoreUnderTest()
    {
        var kind = Server.Store switch
        {
            RedisSessionStore => "redis",
            SqliteSessionStore => "sqlite",
            var other => other.GetType().Name,
        };

        Assert.Equal(Backend.Name, kind);
    }

    [Fact]
    public async Task CreateFromSeed_StoresTheGeneratedLatentAsTheFirstEntry()
    {
        var before = DateTimeOffset.UtcNow;
        var response = await Client.CreateSessionAsync(FromSeed(42));
        var session = response.Session;

        Assert.True(SessionIds.IsWellFormed(session.Id));
        Assert.Equal(DemoModel, session.Model);
        Assert.Equal(256u, session.Resolution);
        Assert.Equal(1ul, session.Version);
        Assert.Equal((uint)DemoNumWs, session.Latent.Rows);
        Assert.Equal(DemoNumWs * DemoWDim, session.Latent.Values.Count);
        var entry = Assert.Single(session.History);
        Assert.Equal((1ul, HistoryEntryKind.Created, 0u), (entry.Id, entry.Kind, session.CurrentIndex));
        Assert.Null(entry.Latent); // STANDARD: history without latents
        Assert.Null(response.Image);
        Assert.Equal(TimeSpan.FromHours(24), session.Ttl.ToTimeSpan());
        Assert.InRange(session.CreateTime.ToDateTimeOffset(), before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(session.UpdateTime.ToDateTimeOffset() + TimeSpan.FromHours(24), session.ExpireTime.ToDateTimeOffset());

        var again = (await Client.CreateSessionAsync(FromSeed(42))).Session;
        Assert.NotEqual(session.Id, again.Id);
        Assert.Equal(session.Latent, again.Latent);
    }

    [Fact]
    public async Task CreateFromSeed_WithImageOptions_ReturnsTheImage()
    {
        var response = await Client.CreateSessionAsync(FromSeed(3, new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = 64 }));

        Assert.Equal(ImageEncoding.Jpeg, response.Image.Encoding);
        Assert.Equal((64u, 64u), (response.Image.Width, response.Image.Height));
    }

    [Fact]
    public async Task GetSession_HonoursTheView()
    {
        var created = await Client.CreateAsync();

        var basic = await Client.GetSessionAsync(new GetSessionRequest { SessionId = created.Id, View = SessionView.Basic });
        var standard = await Client.GetSessionAsync(new GetSessionRequest { SessionId = created.Id });
        var full = await Client.GetSessionAsync(new GetSessionRequest { SessionId = created.Id, View = SessionView.Full });

        Assert.Null(basic.Latent);
        Assert.Equal(created.Latent, standard.Latent);
        Assert.Null(standard.History[0].Latent);
        Assert.Equal(created.Latent, full.History[0].Latent);
        var error = await Assert.ThrowsAsync<RpcException>(() => Client.GetSessionAsync(new GetSessionRequest { SessionId = created.Id, View = (SessionView)9 }).ResponseAsync);
        AssertInvalid(error, "view");
    }

    [Fact]
    public async Task CreateFromLatent_BroadcastsAWAndChecksTheShapeNamingTheField()
    {
        var w = new Latent { Rows = 1, WDim = DemoWDim };
        w.Values.AddRange(Enumerable.Range(0, DemoWDim).Select(i => MathF.Sin(i * 0.1f)));

        var session = (await Client.CreateSessionAsync(new CreateSessionRequest { Latent = new LatentSessionSource { Latent = w } })).Session;

        Assert.Equal((uint)DemoNumWs, session.Latent.Rows);
        Assert.Equal(w.Values, session.Latent.Values.Skip(13 * DemoWDim));

        await AssertCreateInvalid(new LatentSessionSource(), "latent.latent");
        await AssertCreateInvalid(new LatentSessionSource { Latent = new Latent { Rows = 3, WDim = DemoWDim } }, "latent.latent.rows");
        await AssertCreateInvalid(new LatentSessionSource { Latent = new Latent { Rows = 1, WDim = 7 } }, "latent.latent.w_dim");
        await AssertCreateInvalid(new LatentSessionSource { Latent = new Latent { Rows = 1, WDim = DemoWDim, Values = { 1f } } }, "latent.latent.values");
        var nan = w.Clone();
        nan.Values[5] = float.NaN;
        await AssertCreateInvalid(new LatentSessionSource { Latent = nan }, "latent.latent.values");

        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateSessionAsync(new CreateSessionRequest { Latent = new LatentSessionSource { Model = "nope", Latent = w } }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.StartsWith("latent.model", unknown.Status.Detail);
    }

    [Fact]
    public async Task CreateSession_RejectsMissingSourceBadTtlAndBadSeedNamingTheField()
    {
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() => Client.CreateSessionAsync(new CreateSessionRequest()).ResponseAsync), "source");

        var shortTtl = FromSeed(1);
        shortTtl.Ttl = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500));
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() => Client.CreateSessionAsync(shortTtl).ResponseAsync), "ttl");
        var longTtl = FromSeed(1);
        longTtl.Ttl = Duration.FromTimeSpan(TimeSpan.FromDays(30));
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() => Client.CreateSessionAsync(longTtl).ResponseAsync), "ttl");

        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() => Client.CreateSessionAsync(FromSeed(1ul << 40)).ResponseAsync), "seed.seed");
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateSessionAsync(FromSeed(1, new ImageOptions { Size = 4 })).ResponseAsync), "image_options.size");
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateSessionAsync(new CreateSessionRequest { Image = new ImageSessionSource() }).ResponseAsync), "image.image");
    }

    [Fact]
    public async Task ExpectedVersion_ThatMovedOn_IsAborted()
    {
        var session = await Client.CreateAsync();
        await Server.CommitDragAsync(TestTenants.Alpha, session, 1);

        var stale = await Assert.ThrowsAsync<RpcException>(() =>
            Client.UndoAsync(new UndoRequest { SessionId = session.Id, ExpectedVersion = 1 }).ResponseAsync);
        var current = await Client.UndoAsync(new UndoRequest { SessionId = session.Id, ExpectedVersion = 2 });
        var staleDelete = await Assert.ThrowsAsync<RpcException>(() =>
            Client.DeleteSessionAsync(new DeleteSessionRequest { SessionId = session.Id, ExpectedVersion = 2 }).ResponseAsync);

        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        Assert.Equal(3ul, current.Version);
        Assert.Equal(StatusCode.Aborted, staleDelete.StatusCode);
    }

    [Fact]
    public async Task Session_ExpiresAfterItsTtl()
    {
        var request = FromSeed(5);
        request.Ttl = Duration.FromTimeSpan(TimeSpan.FromSeconds(3));
        var session = (await Client.CreateSessionAsync(request)).Session;
        Assert.Contains(session.Id, (await Client.ListSessionsAsync(new ListSessionsRequest { PageSize = 100 })).Sessions.Select(s => s.Id));

        await Task.Delay(TimeSpan.FromSeconds(3.5));

        var gone = await Assert.ThrowsAsync<RpcException>(() => Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.DoesNotContain(session.Id, (await Client.ListSessionsAsync(new ListSessionsRequest { PageSize = 100 })).Sessions.Select(s => s.Id));
    }

    [Fact]
    public async Task ListSessions_PagesThroughTheCallersSessionsOnly()
    {
        var mine = new List<string>();
        for (var i = 0; i < 3; i++)
            mine.Add((await Client.CreateAsync((ulong)i)).Id);
        var theirs = (await Server.Client(TestTenants.BetaKey).CreateAsync()).Id;

        var first = await Client.ListSessionsAsync(new ListSessionsRequest { PageSize = 2 });
        var second = await Client.ListSessionsAsync(new ListSessionsRequest { PageSize = 2, PageToken = first.NextPageToken });

        Assert.Equal(2, first.Sessions.Count);
        Assert.NotEmpty(first.NextPageToken);
        Assert.Empty(second.NextPageToken);
        var listed = first.Sessions.Concat(second.Sessions).ToList();
        Assert.Equal(Enumerable.Reverse(mine), listed.Select(s => s.Id));
        Assert.DoesNotContain(theirs, listed.Select(s => s.Id));
        Assert.All(listed, s => Assert.Null(s.Latent)); // BASIC by default
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() => Client.ListSessionsAsync(new ListSessionsRequest { PageSize = 101 }).ResponseAsync), "page_size");
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() => Client.ListSessionsAsync(new ListSessionsRequest { PageToken = "forged" }).ResponseAsync), "page_token");
    }

    [Fact]
    public async Task DeleteSession_RemovesIt()
    {
        var session = await Client.CreateAsync();

        await Client.DeleteSessionAsync(new DeleteSessionRequest { SessionId = session.Id });

        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
            Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Assert.ThrowsAsync<RpcException>(() =>
            Client.DeleteSessionAsync(new DeleteSessionRequest { SessionId = session.Id }).ResponseAsync)).StatusCode);
    }

    [Fact]
    public async Task ListModels_ComesFromTheInferenceService()
    {
        var models = await Client.ListModelsAsync(new ListModelsRequest());

        Assert.Equal(DemoModel, models.DefaultModel);
        Assert.Equal((uint)DemoNumWs, Assert.Single(models.Models).NumWs);
    }
}

[Collection(InferenceCollection.Name)]
public sealed class SqliteSessionLifecycleTests(InferenceServer inference, SqliteBackend backend)
    : SessionLifecycleTests(inference, backend), IClassFixture<SqliteBackend>;

[Collection(InferenceCollection.Name)]
public sealed class RedisSessionLifecycleTests(InferenceServer inference, RedisBackend backend)
    : SessionLifecycleTests(inference, backend), IClassFixture<RedisBackend>;
