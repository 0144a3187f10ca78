using DragGan.Protos.V1;
using DragGan.Sessions.Exports;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using StackExchange.Redis;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Drags;

/// <summary>
/// A drag's frames go over Redis pub/sub only while another replica watches it, their images
/// bounded in size (<c>Sessions:Relay:FrameMaxSide</c>) and their rate
/// (<c>Sessions:Relay:MaxFramesPerSecond</c>), so that frames nobody elsewhere reads, or raw
/// full-size ones, do not crowd the connection every tenant's relay traffic shares. Observed with
/// a pattern subscription, which Redis does not count as a watcher.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class RelayedFrameBoundsTests(InferenceServer inference, RedisBackend backend) : IClassFixture<RedisBackend>, IAsyncLifetime
{
    private const int FrameMaxSide = 32;
    private const int FramesPerSecond = 5;

    private readonly string _isolation = Guid.NewGuid().ToString("N");
    private SessionsServer _first = null!;
    private SessionsServer _second = null!;

    public async Task InitializeAsync()
    {
        IEnumerable<KeyValuePair<string, string?>> settings =
        [
            new("Sessions:InferenceAddress", inference.Address),
            new("Sessions:Relay:FrameMaxSide", FrameMaxSide.ToString()),
            new("Sessions:Relay:MaxFramesPerSecond", FramesPerSecond.ToString()),
            .. backend.HostSettings(_isolation),
        ];
        _first = await SessionsServer.StartAsync(settings);
        _second = await SessionsServer.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task FramesAreRelayed_OnlyWhileAnotherReplicaWatches_SmallAndAtABoundedRate()
    {
        var relayed = new List<(DateTime At, SessionDragFrame Frame)>();
        var observer = await backend.Server.Connection.GetSubscriber().SubscribeAsync(RedisChannel.Pattern($"test:{_isolation}:drag:*:frames"));
        observer.OnMessage(message =>
        {
            lock (relayed)
                relayed.Add((DateTime.UtcNow, SessionDragFrame.Parser.ParseFrom((byte[])message.Message!)));
        });
        var client = _first.Client();
        var session = await client.CreateAsync();
        var started = await client.StartDragAsync(new StartDragRequest
        {
            Start = new SessionDragStart
            {
                SessionId = session.Id,
                Points = { Pair(100, 128, 130, 128) },
                Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
                FrameOptions = new FrameOptions { Image = new ImageOptions { Encoding = ImageEncoding.Png, Size = 256 } },
            },
        });
        var dragId = started.ActiveDrag.DragId;

        // Watched where it runs only: nothing goes over Redis.
        using (var local = client.WatchDrag(new WatchDragRequest { SessionId = session.Id, DragId = dragId }))
        {
            for (var i = 0; i < 5 && await local.ResponseStream.MoveNext(); i++)
            {
            }
        }
        int unwatched;
        lock (relayed)
            unwatched = relayed.Count;

        // Watched from the other replica: frames come, bounded.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var remote = _second.Client().WatchDrag(new WatchDragRequest { SessionId = session.Id, DragId = dragId }, cancellationToken: cancel.Token);
        var watchedFrom = DateTime.UtcNow;
        var received = 0;
        while (received < 6 && await remote.ResponseStream.MoveNext())
            received++;
        var watchedFor = DateTime.UtcNow - watchedFrom;
        await client.StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = dragId });
        await observer.UnsubscribeAsync();

        List<(DateTime At, SessionDragFrame Frame)> frames;
        lock (relayed)
            frames = [.. relayed];
        Assert.Equal(0, unwatched);
        Assert.True(frames.Count >= 6, $"{frames.Count} frames were relayed");
        Assert.True(frames.Count(f => f.At <= watchedFrom + watchedFor) <= FramesPerSecond * (watchedFor.TotalSeconds + 1) + 1,
            $"{frames.Count} frames in {watchedFor.TotalSeconds:0.0} s");
        Assert.All(frames.Where(f => f.Frame.Frame?.Image is { Data.IsEmpty: false }), f =>
        {
            Assert.Equal(ImageEncoding.Jpeg, f.Frame.Frame.Image.Encoding);
            Assert.True(f.Frame.Frame.Image.Width <= FrameMaxSide && f.Frame.Frame.Image.Height <= FrameMaxSide,
                $"a relayed frame of {f.Frame.Frame.Image.Width}x{f.Frame.Frame.Image.Height}");
        });
        Assert.Contains(frames, f => f.Frame.Frame?.Image is { Data.IsEmpty: false });
    }
}
