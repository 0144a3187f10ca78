using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// Two session replicas sharing one Redis, as behind a balancer that sends a browser's calls
/// anywhere: a drag started on one is watched, steered and stopped through the other.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class CrossReplicaDragTests(InferenceServer inference, RedisBackend backend) : IClassFixture<RedisBackend>, IAsyncLifetime
{
    private SessionsServer _first = null!;
    private SessionsServer _second = null!;

    public async Task InitializeAsync()
    {
        IEnumerable<KeyValuePair<string, string?>> settings =
        [
            new("Sessions:InferenceAddress", inference.Address),
            .. backend.HostSettings(Guid.NewGuid().ToString("N")),
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
    public async Task ADragStartedOnOneReplica_IsWatchedSteeredAndStoppedThroughTheOther()
    {
        var session = await _first.Client().CreateAsync();
        var started = await _first.Client().StartDragAsync(new StartDragRequest
        {
            Start = new SessionDragStart
            {
                SessionId = session.Id,
                Points = { Pair(100, 128, 130, 128) },
                Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
            },
        });
        var dragId = started.ActiveDrag.DragId;
        var other = _second.Client();

        using var watch = other.WatchDrag(new WatchDragRequest { SessionId = session.Id, DragId = dragId });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(dragId, watch.ResponseStream.Current.DragId);

        var update = new DragUpdate();
        update.PointEdits.Add(new PointEdit { Move = new PointMove { Index = 0, Target = new Point { X = 90, Y = 150 } } });
        await other.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = dragId, Update = update });
        while (watch.ResponseStream.Current.Frame.Targets[0].Y != 150)
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));

        var stopped = await other.StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = dragId });
        Assert.True(stopped.HasCommittedEntryId);
        Assert.Equal(150, stopped.Session.Points[0].Target.Y);

        // The watcher's stream ends with the commit.
        var last = watch.ResponseStream.Current;
        while (await watch.ResponseStream.MoveNext(CancellationToken.None))
            last = watch.ResponseStream.Current;
        Assert.Equal(stopped.CommittedEntryId, last.CommittedEntryId);
        var read = await _first.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Null(read.ActiveDrag);
        Assert.Equal(2, read.History.Count);
    }

    [Fact]
    public async Task SteeringADragNoReplicaRuns_ThatSavedNothing_DiscardsIt_AndTheSessionIsUsable()
    {
        var session = await _first.Client().CreateAsync();
        // A drag recorded on the session whose process is gone before it saved a start or a state.
        var key = new DragGan.Sessions.Storage.SessionKey(TestTenants.Alpha, session.Id);
        await _first.Editor.BeginDragAsync(key, new ActiveDrag { DragId = "gone-drag", Phase = DragPhase.Running }, null, null, null, CancellationToken.None);

        var error = await Assert.ThrowsAsync<RpcException>(() => _second.Client().UpdateDragAsync(
            new UpdateDragRequest { SessionId = session.Id, DragId = "gone-drag", Pause = new DragPause() }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("discarded", error.Status.Detail);
        Assert.Null((await _second.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id })).ActiveDrag);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWatcherOfADragThatNoLongerSteps_GetsItsNewestFrameAtOnce(bool throughTheOtherReplica)
    {
        var session = await _first.Client().CreateAsync();
        var started = await _first.Client().StartDragAsync(new StartDragRequest
        {
            Start = new SessionDragStart { SessionId = session.Id, Points = { Pair(100, 128, 130, 128) }, Parameters = new DragParameters { MaxSteps = 3, StopDistance = 0.5 } },
        });
        var dragId = started.ActiveDrag.DragId;
        await WaitForAsync(async () =>
            (await _first.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id })).ActiveDrag is { Phase: DragPhase.StepLimitReached } drag ? drag : null);

        // The drag waits at its step limit (for a command, a stop or its idle timeout) and sends no frame.
        var watcher = (throughTheOtherReplica ? _second : _first).Client();
        using var watch = watcher.WatchDrag(new WatchDragRequest { SessionId = session.Id, DragId = dragId });
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await watch.ResponseStream.MoveNext(patience.Token));
        Assert.Equal(dragId, watch.ResponseStream.Current.DragId);
        Assert.Equal(3u, watch.ResponseStream.Current.Frame.Step);

        await _first.Client().StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = dragId });
    }
}
