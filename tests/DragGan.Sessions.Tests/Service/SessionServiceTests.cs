using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using SkiaSharp;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// draggan.v1.Sessions over real gRPC, with a real inference server (the demo model), against
/// each store: lifecycle, history, TTL, listing, exports, errors.
/// </summary>
public abstract class SessionServiceTests(InferenceServer inference, IStoreBackend backend) : IAsyncLifetime
{
    protected const int MaxHistory = 5;

    private SessionsServer _server = null!;

    protected SessionsServer Server => _server;

    protected SessionsClient Client => _server.Client();

    public async Task InitializeAsync() => _server = await SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        new("Sessions:MaxHistory", MaxHistory.ToString()),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
    ]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void TheHost_UsesTheStoreUnderTest()
    {
        var kind = Server.Store switch
        {
            RedisSessionStore => "redis",
            SqliteSessionStore => "sqlite",
            var other => other.GetType().Name,
        };

        Assert.Equal(backend.Name, kind);
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
    public async Task UndoRedoAndCheckout_MoveThroughTheCommittedDrags()
    {
        var session = await Client.CreateAsync();
        for (var i = 1; i <= 3; i++)
            await Server.CommitDragAsync(TestTenants.Alpha, session, i);
        var full = await Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id, View = SessionView.Full });
        Assert.Equal([1ul, 2ul, 3ul, 4ul], full.History.Select(e => e.Id));
        Assert.Equal([HistoryEntryKind.Created, HistoryEntryKind.Drag, HistoryEntryKind.Drag, HistoryEntryKind.Drag], full.History.Select(e => e.Kind));
        Assert.Equal(3u, full.CurrentIndex);
        Assert.Equal(full.History[3].Latent, full.Latent);
        Assert.Equal(130 + 3, full.Points.Single().Target.X);
        Assert.Equal(40u, full.Parameters.MaxSteps);

        var undone = await Client.UndoAsync(new UndoRequest { SessionId = session.Id });
        Assert.Equal(2u, undone.CurrentIndex);
        Assert.Equal(full.History[2].Latent, undone.Latent);
        Assert.Equal(full.Version + 1, undone.Version);

        var redone = await Client.RedoAsync(new RedoRequest { SessionId = session.Id });
        Assert.Equal(3u, redone.CurrentIndex);
        Assert.Equal(full.History[3].Latent, redone.Latent);
        await AssertPrecondition(() => Client.RedoAsync(new RedoRequest { SessionId = session.Id }).ResponseAsync);

        var oldest = await Client.CheckoutAsync(new CheckoutRequest { SessionId = session.Id, Index = 0 });
        Assert.Equal(0u, oldest.CurrentIndex);
        Assert.Equal(session.Latent, oldest.Latent);
        await AssertPrecondition(() => Client.UndoAsync(new UndoRequest { SessionId = session.Id }).ResponseAsync);

        var byId = await Client.CheckoutAsync(new CheckoutRequest { SessionId = session.Id, EntryId = 3 });
        Assert.Equal(2u, byId.CurrentIndex);

        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() => Client.CheckoutAsync(new CheckoutRequest { SessionId = session.Id, Index = 9 }).ResponseAsync), "index");
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() => Client.CheckoutAsync(new CheckoutRequest { SessionId = session.Id }).ResponseAsync), "target");
    }

    [Fact]
    public async Task CommitAfterUndo_DropsTheStatesThatCouldBeRedone()
    {
        var session = await Client.CreateAsync();
        await Server.CommitDragAsync(TestTenants.Alpha, session, 1);
        await Server.CommitDragAsync(TestTenants.Alpha, session, 2);
        await Client.UndoAsync(new UndoRequest { SessionId = session.Id });

        var commit = await Server.CommitDragAsync(TestTenants.Alpha, session, 5);

        var after = await Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Equal(4ul, commit.EntryId);
        Assert.Equal([1ul, 2ul, 4ul], after.History.Select(e => e.Id));
        Assert.Equal(2u, after.CurrentIndex);
        await AssertPrecondition(() => Client.RedoAsync(new RedoRequest { SessionId = session.Id }).ResponseAsync);
    }

    [Fact]
    public async Task History_KeepsTheConfiguredNumberOfNewestEntries()
    {
        var session = await Client.CreateAsync();
        for (var i = 1; i <= MaxHistory + 2; i++)
            await Server.CommitDragAsync(TestTenants.Alpha, session, i);

        var after = await Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });

        Assert.Equal([4ul, 5ul, 6ul, 7ul, 8ul], after.History.Select(e => e.Id));
        Assert.Equal((uint)MaxHistory - 1, after.CurrentIndex);
        var dropped = await Assert.ThrowsAsync<RpcException>(() => Client.CheckoutAsync(new CheckoutRequest { SessionId = session.Id, EntryId = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, dropped.StatusCode);
        Assert.StartsWith("entry_id", dropped.Status.Detail);
    }

    [Fact]
    public async Task CommitDrag_OfTheSameDragTwice_CommitsItOnce()
    {
        var session = await Client.CreateAsync();
        var key = new SessionKey(TestTenants.Alpha, session.Id);
        var drag = new CommittedDrag(SessionIds.New(), Shifted(session.Latent, 1), [Pair(1, 2, 3, 4)], null, null, 5, DragOutcome.Stopped);

        var first = await Server.Editor.CommitDragAsync(key, drag, CancellationToken.None);
        var second = await Server.Editor.CommitDragAsync(key, drag, CancellationToken.None);

        Assert.Equal(first.EntryId, second.EntryId);
        Assert.Equal(2, (await Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id })).History.Count);
        await Assert.ThrowsAsync<ArgumentException>(() => Server.Editor.CommitDragAsync(key,
            drag with { DragId = SessionIds.New(), FinalLatent = new Latent { Rows = 1, WDim = 2, Values = { 1, 2 } } }, CancellationToken.None));
    }

    [Fact]
    public async Task ActiveDrag_IsPersistedBlocksHistoryMovesAndIsClearedByItsCommit()
    {
        var session = await Client.CreateAsync();
        var key = new SessionKey(TestTenants.Alpha, session.Id);
        var editor = Server.Editor;
        var drag = new ActiveDrag { DragId = SessionIds.New(), Phase = DragPhase.Starting, Replica = "http://replica-a", Client = DragClient.Unary };

        await editor.BeginDragAsync(key, drag, null, new FrameOptions { EveryKSteps = 5 }, expectedVersion: 1, CancellationToken.None);
        var progress = drag.Clone();
        progress.Phase = DragPhase.Running;
        progress.Step = 7;
        progress.Points.Add(Pair(101, 128, 130, 128));
        var state = new DragState { Model = session.Model, Latent = Shifted(session.Latent, 0.5f), Step = 7 };
        await editor.RecordDragProgressAsync(key, progress, state, CancellationToken.None);

        var running = await Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Equal((drag.DragId, DragPhase.Running, 7u, "http://replica-a"), (running.ActiveDrag.DragId, running.ActiveDrag.Phase, running.ActiveDrag.Step, running.ActiveDrag.Replica));
        Assert.NotNull(running.ActiveDrag.UpdateTime);
        var stored = (await Server.Store.GetAsync(key, CancellationToken.None))!.Value;
        Assert.Equal(state, stored.DragState);
        Assert.Equal(5u, stored.DragFrameOptions.EveryKSteps);
        await AssertPrecondition(() => Client.CheckoutAsync(new CheckoutRequest { SessionId = session.Id, Index = 0 }).ResponseAsync);
        await AssertPrecondition(() => editor.BeginDragAsync(key, new ActiveDrag { DragId = SessionIds.New() }, null, null, null, CancellationToken.None));
        AssertMissing(await Assert.ThrowsAsync<RpcException>(() =>
            editor.RecordDragProgressAsync(key, new ActiveDrag { DragId = SessionIds.New() }, null, CancellationToken.None)), "drag_id");

        var commit = await editor.CommitDragAsync(key, new CommittedDrag(
            drag.DragId, state.Latent, progress.Points, null, null, 7, DragOutcome.Stopped), CancellationToken.None);

        var after = await Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Null(after.ActiveDrag);
        Assert.Equal((HistoryEntryKind.Drag, DragOutcome.Stopped, drag.DragId), (after.History[^1].Kind, after.History[^1].Outcome, after.History[^1].DragId));
        Assert.Equal(commit.EntryId, after.History[^1].Id);
        Assert.Null((await Server.Store.GetAsync(key, CancellationToken.None))!.Value.DragState);
    }

    [Fact]
    public async Task NonFiniteDragLatent_IsNeverPersistedNorCommitted()
    {
        var session = await Client.CreateAsync();
        var key = new SessionKey(TestTenants.Alpha, session.Id);
        var editor = Server.Editor;
        var drag = new ActiveDrag { DragId = SessionIds.New(), Phase = DragPhase.Running, Replica = "http://replica-a", Client = DragClient.Unary };
        await editor.BeginDragAsync(key, drag, null, null, null, CancellationToken.None);
        var finite = new DragState { Model = session.Model, Latent = Shifted(session.Latent, 0.5f), Step = 4 };
        await editor.RecordDragProgressAsync(key, drag, finite, CancellationToken.None);

        var diverged = Shifted(session.Latent, 1);
        diverged.Values[3] = float.NaN;
        await editor.RecordDragProgressAsync(key, drag, new DragState { Model = session.Model, Latent = diverged, Step = 6 }, CancellationToken.None);
        Assert.Equal(finite, (await Server.Store.GetAsync(key, CancellationToken.None))!.Value.DragState);

        diverged.Values[3] = float.PositiveInfinity;
        var refused = await Assert.ThrowsAsync<RpcException>(() => editor.CommitDragAsync(key,
            new CommittedDrag(drag.DragId, diverged, [Pair(100, 128, 130, 128)], null, null, 6, DragOutcome.Stopped), CancellationToken.None));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("value 3 is", refused.Status.Detail);

        var after = await Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id, View = SessionView.Full });
        Assert.Single(after.History);
        Assert.Equal(session.Latent.Values, after.Latent.Values);
    }

    [Fact]
    public async Task DiscardedDrag_LeavesTheHistoryAsItWas()
    {
        var session = await Client.CreateAsync();
        var key = new SessionKey(TestTenants.Alpha, session.Id);
        var drag = new ActiveDrag { DragId = SessionIds.New(), Phase = DragPhase.Running };
        await Server.Editor.BeginDragAsync(key, drag, null, null, null, CancellationToken.None);

        await Server.Editor.DiscardDragAsync(key, drag.DragId, CancellationToken.None);

        var after = await Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Null(after.ActiveDrag);
        Assert.Single(after.History);
        Assert.Equal(session.Latent, after.Latent);
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
    public async Task ExportImage_RendersTheCurrentOrAGivenEntry()
    {
        var png = new ImageOptions { Encoding = ImageEncoding.Png };
        var created = await Client.CreateSessionAsync(FromSeed(11, png));
        var other = await Client.CreateSessionAsync(new CreateSessionRequest { Seed = new SeedSessionSource { Seed = 12 }, ImageOptions = png });
        await Server.CommitDragAsync(TestTenants.Alpha, created.Session, 0, latent: other.Session.Latent);

        var current = await Client.ExportImageAsync(new ExportImageRequest { SessionId = created.Session.Id });
        var first = await Client.ExportImageAsync(new ExportImageRequest { SessionId = created.Session.Id, EntryId = 1 });
        var small = await Client.ExportImageAsync(new ExportImageRequest { SessionId = created.Session.Id, Image = new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = 32 } });

        Assert.Equal(2ul, current.EntryId);
        Assert.Equal(other.Image.Data, current.Image.Data);
        Assert.Equal(1ul, first.EntryId);
        Assert.Equal(created.Image.Data, first.Image.Data);
        Assert.Equal((ImageEncoding.Jpeg, 32u), (small.Image.Encoding, small.Image.Width));
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() => Client.ExportImageAsync(new ExportImageRequest
        {
            SessionId = created.Session.Id,
            Image = new ImageOptions { Size = 5000 },
        }).ResponseAsync), "image.size");
    }

    [Fact]
    public async Task ExportLatent_WritesNpyAndNpzOfShape1ByNumWsByWDim()
    {
        var session = await Client.CreateAsync();

        var npy = await Client.ExportLatentAsync(new ExportLatentRequest { SessionId = session.Id });
        var npz = await Client.ExportLatentAsync(new ExportLatentRequest { SessionId = session.Id, Format = LatentFileFormat.Npz });
        var none = await Client.ExportLatentAsync(new ExportLatentRequest { SessionId = session.Id, Format = LatentFileFormat.None });

        Assert.Equal(("application/x-npy", $"{session.Id}-1.npy", DemoModel), (npy.MediaType, npy.FileName, npy.Model));
        Assert.Equal(session.Latent, npy.Latent);
        var (shape, values) = ReadNpy(npy.Data.ToByteArray());
        Assert.Equal("(1, 14, 512)", shape);
        Assert.Equal(session.Latent.Values, values);

        using var zip = new ZipArchive(new MemoryStream(npz.Data.ToByteArray()));
        var entry = Assert.Single(zip.Entries);
        Assert.Equal("w.npy", entry.FullName);
        Assert.Equal(entry.Length, entry.CompressedLength); // stored, as np.savez writes it
        using var content = new MemoryStream();
        entry.Open().CopyTo(content);
        Assert.Equal(npy.Data.ToByteArray(), content.ToArray());

        Assert.True(none.Data.IsEmpty);
        Assert.Equal(session.Latent, none.Latent);
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportLatentAsync(new ExportLatentRequest { SessionId = session.Id, Format = (LatentFileFormat)9 }).ResponseAsync), "format");
    }

    [Fact]
    public async Task ExportAnimation_EncodesTheLatestDragsFramesAsALoopingGif()
    {
        var session = await Client.CreateAsync();
        AssertMissing(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id }).ResponseAsync), "entry_id");
        var frames = new List<StoredDragFrame>();
        for (uint step = 1; step <= 3; step++)
        {
            var image = await Client.ExportImageAsync(new ExportImageRequest
            {
                SessionId = (await Client.CreateAsync(step + 20)).Id,
                Image = new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = 64 },
            });
            frames.Add(new StoredDragFrame { Step = step, Image = image.Image });
        }
        var commit = await Server.CommitDragAsync(TestTenants.Alpha, session, 1, frames);

        var gif = await Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id });
        var resized = await Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, EntryId = commit.EntryId, Size = 32 });

        Assert.Equal(("image/gif", 3u, 64u, commit.EntryId), (gif.MediaType, gif.FrameCount, gif.Width, gif.EntryId));
        using (var codec = SKCodec.Create(new MemoryStream(gif.Data.ToByteArray())))
        {
            Assert.Equal(SKEncodedImageFormat.Gif, codec.EncodedFormat);
            Assert.Equal(3, codec.FrameCount);
            Assert.Equal(64, codec.Info.Width);
            Assert.Equal(-1, codec.RepetitionCount); // Skia reports "forever" as -1
        }
        Assert.Equal(32u, resized.Width);

        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, EntryId = 1 }).ResponseAsync), "entry_id");
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Size = 8 }).ResponseAsync), "size");
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Format = (AnimationFormat)9 }).ResponseAsync), "format");

        // A later drag's frames replace these.
        await Server.CommitDragAsync(TestTenants.Alpha, session, 2, [frames[0]]);
        AssertMissing(await Assert.ThrowsAsync<RpcException>(() =>
            Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, EntryId = commit.EntryId }).ResponseAsync), "entry_id");
        Assert.Equal(1u, (await Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id })).FrameCount);
    }

    [Fact]
    public async Task ListModels_ComesFromTheInferenceService()
    {
        var models = await Client.ListModelsAsync(new ListModelsRequest());

        Assert.Equal(DemoModel, models.DefaultModel);
        Assert.Equal((uint)DemoNumWs, Assert.Single(models.Models).NumWs);
    }

    [Fact]
    public async Task Drag_Stream_StreamsFramesAndCommitsTheDragToTheHistory()
    {
        var session = await Client.CreateAsync();
        using var call = Client.Drag();
        await call.RequestStream.WriteAsync(new SessionDragRequest { Start = DragStart(session.Id, maxSteps: 3) });

        var frames = new List<SessionDragFrame>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            frames.Add(call.ResponseStream.Current);
            if (call.ResponseStream.Current.Frame.StepLimitReached)
                break;
        }
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var last = call.ResponseStream.Current;
        Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(3u, frames[^1].Frame.Step);
        Assert.All(frames, f => Assert.Null(f.Frame.State));
        Assert.All(frames, f => Assert.Equal(session.Id, f.SessionId));
        Assert.True(last.Frame.Final);
        Assert.True(last.HasCommittedEntryId);
        Assert.Equal(2, last.Session.History.Count);
        Assert.Equal(1u, last.Session.CurrentIndex);
        Assert.Equal(last.CommittedEntryId, last.Session.History[1].Id);
        Assert.Equal(DragOutcome.StepLimitReached, last.Session.History[1].Outcome);
        Assert.Null(last.Session.ActiveDrag);
        Assert.NotEqual(session.Latent.Values, last.Session.Latent.Values);

        var gif = await Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id });
        Assert.True(gif.FrameCount >= 3);
    }

    [Fact]
    public async Task UnaryDrag_StartWatchUpdateStop_CommitsAndUndoGoesBack()
    {
        var session = await Client.CreateAsync();
        var started = await Client.StartDragAsync(new StartDragRequest { Start = DragStart(session.Id, maxSteps: 10_000) });
        var dragId = started.ActiveDrag.DragId;
        using var watch = Client.WatchDrag(new WatchDragRequest { SessionId = session.Id, DragId = dragId });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));

        var update = new DragUpdate();
        update.PointEdits.Add(new PointEdit { Move = new PointMove { Index = 0, Target = new Point { X = 90, Y = 150 } } });
        await Client.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = dragId, Update = update });
        while (await watch.ResponseStream.MoveNext(CancellationToken.None))
        {
            if (watch.ResponseStream.Current.Frame.Targets[0].Y == 150)
                break;
        }
        Assert.Equal(150, watch.ResponseStream.Current.Frame.Targets[0].Y);

        var busy = await Assert.ThrowsAsync<RpcException>(() => Client.StartDragAsync(new StartDragRequest { Start = DragStart(session.Id, maxSteps: 2) }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, busy.StatusCode);

        var stopped = await Client.StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = dragId });
        Assert.True(stopped.HasCommittedEntryId);
        Assert.Equal(1u, stopped.Session.CurrentIndex);
        Assert.Equal(150, stopped.Session.Points[0].Target.Y);

        var undone = await Client.UndoAsync(new UndoRequest { SessionId = session.Id });
        Assert.Equal(0u, undone.CurrentIndex);
        Assert.Equal(session.Latent.Values, undone.Latent.Values);
    }

    [Fact]
    public async Task DragStart_WithAPointOutsideTheImage_IsInvalidAndLeavesNoActiveDrag()
    {
        var session = await Client.CreateAsync();
        var start = DragStart(session.Id, maxSteps: 2);
        start.Points[0].Handle.X = 256;

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.StartDragAsync(new StartDragRequest { Start = start }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("start.points[0].handle ", error.Status.Detail);
        var after = await Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Null(after.ActiveDrag);
    }

    [Fact]
    public async Task DragStart_RejectedByTheInferenceService_LeavesNoActiveDrag()
    {
        var session = await Client.CreateAsync();
        var start = DragStart(session.Id, maxSteps: 2);
        start.Parameters.LearningRate = -1;

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.StartDragAsync(new StartDragRequest { Start = start }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("learning_rate", error.Status.Detail);
        var after = await Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Null(after.ActiveDrag);
    }

    private static SessionDragStart DragStart(string sessionId, uint maxSteps) => new()
    {
        SessionId = sessionId,
        Points = { Pair(100, 128, 130, 128) },
        Parameters = new DragParameters { MaxSteps = maxSteps, StopDistance = 0.5 },
        FrameOptions = new FrameOptions { Image = new ImageOptions { Size = 32, Encoding = ImageEncoding.Jpeg } },
    };

    private async Task AssertCreateInvalid(LatentSessionSource source, string field) =>
        AssertInvalid(await Assert.ThrowsAsync<RpcException>(() =>
            Client.CreateSessionAsync(new CreateSessionRequest { Latent = source }).ResponseAsync), field);

    private static void AssertInvalid(RpcException error, string field)
    {
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail);
    }

    private static void AssertMissing(RpcException error, string field)
    {
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.StartsWith(field + " ", error.Status.Detail);
    }

    private static async Task AssertPrecondition(Func<Task> call) =>
        Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(call)).StatusCode);

    /// <summary>Shape and values of a v1.0 little-endian float32 .npy, checking the header NumPy requires.</summary>
    private static (string Shape, float[] Values) ReadNpy(byte[] file)
    {
        Assert.Equal(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y' }, file[..6]);
        Assert.Equal((1, 0), (file[6], file[7]));
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(file, 10, headerLength);
        Assert.EndsWith("\n", header);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'fortran_order': False", header);
        var shape = header[header.IndexOf('(')..(header.IndexOf(')') + 1)];
        var data = file.AsSpan(10 + headerLength);
        var values = new float[data.Length / 4];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
        return (shape, values);
    }
}

[Collection(InferenceCollection.Name)]
public sealed class SqliteSessionServiceTests(InferenceServer inference, SqliteBackend backend)
    : SessionServiceTests(inference, backend), IClassFixture<SqliteBackend>;

[Collection(InferenceCollection.Name)]
public sealed class RedisSessionServiceTests(InferenceServer inference, RedisBackend backend)
    : SessionServiceTests(inference, backend), IClassFixture<RedisBackend>;
