using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// Drags through the session API: the bidirectional stream, the unary calls a browser uses, and
/// starts that are refused. Over real gRPC, with a real inference server, against each store.
/// </summary>
public abstract class SessionDragCallTests(InferenceServer inference, IStoreBackend backend) : SessionServiceTests(inference, backend)
{
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
}

[Collection(InferenceCollection.Name)]
public sealed class SqliteSessionDragCallTests(InferenceServer inference, SqliteBackend backend)
    : SessionDragCallTests(inference, backend), IClassFixture<SqliteBackend>;

[Collection(InferenceCollection.Name)]
public sealed class RedisSessionDragCallTests(InferenceServer inference, RedisBackend backend)
    : SessionDragCallTests(inference, backend), IClassFixture<RedisBackend>;
