using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Drags;

/// <summary>
/// Two session replicas sharing one Redis and one inference replica: a drag runs on exactly one
/// process at a time (its lease), a take-over attaches to it there, and whatever becomes of the
/// replica that ran it (shut down, died before or after saving a state, or the run failed for
/// good), the session is usable again from any other replica.
/// </summary>
public sealed class DragOwnershipTests(RedisBackend backend) : IClassFixture<RedisBackend>, IAsyncLifetime
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(60);
    private ReplicaStack _stack = null!;
    private InferenceReplicaHost _inference = null!;
    private IEnumerable<KeyValuePair<string, string?>> _settings = [];
    private SessionsServer _first = null!;
    private SessionsServer _second = null!;

    public async Task InitializeAsync()
    {
        _stack = await ReplicaStack.StartAsync(backend, sessionServices: 2,
        [
            new("Sessions:PersistEveryKSteps", "2"),
            new("Sessions:LeaseDuration", "00:00:05"),
        ]);
        (_inference, _first, _second, _settings) = (_stack.Inference, _stack.Sessions[0], _stack.Sessions[1], _stack.SessionSettings);
    }

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task TakeOver_OnAnotherReplica_WhileTheFirstRunsTheDrag_SteersThatOneStream()
    {
        var session = await _first.Client().CreateAsync();
        var started = await _first.Client().StartDragAsync(new StartDragRequest { Start = EndlessStart(session.Id) });
        await _inference.WaitForStreamsAsync(1);

        using var takeOver = _second.Client().Drag();
        await takeOver.RequestStream.WriteAsync(new SessionDragRequest { Start = new SessionDragStart { SessionId = session.Id, TakeOver = true } });
        var frames = await ReadAsync(takeOver.ResponseStream, f => f.Frame.Step >= 3);

        Assert.All(frames, f => Assert.Equal(started.ActiveDrag.DragId, f.DragId));
        // The drag still runs where it ran: one inference stream, not a second one with the same id.
        Assert.Equal(1, _inference.ActiveStreams);
        await takeOver.RequestStream.WriteAsync(new SessionDragRequest { Stop = new DragStop() });
        var last = (await ReadAsync(takeOver.ResponseStream, f => f.HasCommittedEntryId))[^1];
        await _inference.WaitForStreamsAsync(0);
        var after = await _second.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Null(after.ActiveDrag);
        Assert.Equal(2, after.History.Count);
        Assert.Equal(last.CommittedEntryId, after.History[^1].Id);
    }

    [Fact]
    public async Task TakeOver_OfADragWhoseReplicaDiedBeforeSavingAnything_StartsItOverFromItsStart()
    {
        // A session without points: the drag's own points are all there is to start from.
        var session = await _first.Client().CreateAsync();
        var key = new SessionKey(TestTenants.Alpha, session.Id);
        var dragId = SessionIds.New();
        var start = new DragStart
        {
            Model = session.Model,
            Latent = session.Latent,
            Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
            SessionId = session.Id,
            Points = { Pair(100, 128, 130, 128) },
        };
        // What a replica that died right after recording the drag leaves: the drag and its lease, no state.
        await _first.Editor.BeginDragAsync(key, new ActiveDrag { DragId = dragId, Phase = DragPhase.Starting }, start, null, null, CancellationToken.None);
        var leases = _first.Services.GetRequiredService<IWorkLeaseStore>();
        Assert.True((await leases.TryAcquireAsync(new WorkLease(TestTenants.Alpha, WorkKind.Drag, dragId, "dead-replica", 1), 4, TimeSpan.FromSeconds(1), CancellationToken.None)).Granted);

        using var takeOver = _second.Client().Drag();
        await takeOver.RequestStream.WriteAsync(new SessionDragRequest { Start = new SessionDragStart { SessionId = session.Id, TakeOver = true } });
        var frames = await ReadAsync(takeOver.ResponseStream, f => f.Frame.Step >= 3);
        await takeOver.RequestStream.CompleteAsync();
        var last = (await ReadAsync(takeOver.ResponseStream, f => f.HasCommittedEntryId))[^1];

        Assert.All(frames, f => Assert.Equal(dragId, f.DragId));
        Assert.Single(frames[0].Frame.Handles);
        Assert.Single(last.Session.Points);
        Assert.Null(last.Session.ActiveDrag);
        await _inference.WaitForStreamsAsync(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task StopDrag_OfADragNoReplicaRuns_EndsItFromItsSavedState(bool discard)
    {
        var session = await _first.Client().CreateAsync();
        var key = new SessionKey(TestTenants.Alpha, session.Id);
        var drag = new ActiveDrag { DragId = SessionIds.New(), Phase = DragPhase.Running, Step = 4 };
        drag.Points.Add(Pair(104, 128, 130, 128));
        await _first.Editor.BeginDragAsync(key, drag, null, null, null, CancellationToken.None);
        var saved = new DragState
        {
            Model = session.Model,
            Latent = Shifted(session.Latent, 0.5f),
            Step = 4,
            Handles = { new DragHandleState { Handle = new Point { X = 104, Y = 128 }, Target = new Point { X = 130, Y = 128 } } },
        };
        await _first.Editor.RecordDragProgressAsync(key, drag, saved, CancellationToken.None);

        // Its replica is gone (no lease): any replica ends it.
        var stopped = await _second.Client().StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = drag.DragId, Discard = discard });

        Assert.Null(stopped.Session.ActiveDrag);
        Assert.Equal(!discard, stopped.HasCommittedEntryId);
        var full = await _first.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id, View = SessionView.Full });
        Assert.Equal(discard ? session.Latent : saved.Latent, full.Latent);
        Assert.Equal(discard ? 1 : 2, full.History.Count);
        // ... and the session takes new drags again.
        var next = await _second.Client().StartDragAsync(new StartDragRequest { Start = EndlessStart(session.Id) });
        var ended = await _second.Client().StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = next.ActiveDrag.DragId });
        Assert.True(ended.HasCommittedEntryId);
        await _inference.WaitForStreamsAsync(0);
    }

    [Fact]
    public async Task ReplicaShutsDown_HandsItsDragBack_AndAWatcherOnAnotherReplicaContinuesIt()
    {
        var leaving = await SessionsServer.StartAsync(_settings);
        var session = await leaving.Client().CreateAsync();
        var started = await leaving.Client().StartDragAsync(new StartDragRequest { Start = EndlessStart(session.Id) });
        await _inference.WaitForStreamsAsync(1);

        await leaving.DisposeAsync();

        // Handed back: its inference stream is closed, the drag stays on the session.
        await _inference.WaitForStreamsAsync(0);
        var handedBack = await _second.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Equal(started.ActiveDrag.DragId, handedBack.ActiveDrag.DragId);

        using var watch = _second.Client().WatchDrag(new WatchDragRequest { SessionId = session.Id, DragId = started.ActiveDrag.DragId });
        var frames = await ReadAsync(watch.ResponseStream, f => f.Frame.Step >= handedBack.ActiveDrag.Step + 2);
        Assert.All(frames, f => Assert.Equal(started.ActiveDrag.DragId, f.DragId));
        Assert.Equal(1, _inference.ActiveStreams);

        var stopped = await _first.Client().StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = started.ActiveDrag.DragId });
        Assert.True(stopped.HasCommittedEntryId);
        Assert.Null(stopped.Session.ActiveDrag);
        await _inference.WaitForStreamsAsync(0);
    }

    [Fact]
    public async Task ADragThatFailsForGood_CommitsItsLastSavedState_AndTheSessionIsUsable()
    {
        var doomed = await InferenceReplicaHost.StartAsync();
        await using var _ = doomed;
        await using var sessions = await SessionsServer.StartAsync(
            [.. _settings.Where(s => s.Key != "Sessions:InferenceAddress"), new("Sessions:InferenceAddress", doomed.Address)]);
        var client = sessions.Client();
        var session = await client.CreateAsync();
        using var call = client.Drag();
        await call.RequestStream.WriteAsync(new SessionDragRequest { Start = EndlessStart(session.Id) });
        await call.RequestStream.WriteAsync(new SessionDragRequest { Pause = new DragPause() });
        var paused = (await ReadAsync(call.ResponseStream, f => f.Frame.Paused))[^1];

        // The only inference replica goes away for good.
        await doomed.KillAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => ReadAsync(call.ResponseStream, _ => false));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains("committed as history entry", error.Status.Detail);
        var after = await client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Null(after.ActiveDrag);
        Assert.Equal(2, after.History.Count);
        Assert.Equal(paused.Frame.Step, after.History[^1].Steps);
        var undone = await client.UndoAsync(new UndoRequest { SessionId = session.Id });
        Assert.Equal(0u, undone.CurrentIndex);
    }

    /// <summary>Frames until one matches (returned last); fails the test when the stream ends first or stalls.</summary>
    private static async Task<List<SessionDragFrame>> ReadAsync(IAsyncStreamReader<SessionDragFrame> frames, Func<SessionDragFrame, bool> until)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        var read = new List<SessionDragFrame>();
        while (true)
        {
            Assert.True(await frames.MoveNext(timeout.Token), $"the stream ended after {read.Count} frames");
            read.Add(frames.Current);
            if (until(frames.Current))
                return read;
        }
    }
}
