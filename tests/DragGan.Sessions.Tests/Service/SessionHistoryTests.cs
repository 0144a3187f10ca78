using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// Undo, redo, checkout and commits: what a session's history keeps, and how an active drag holds
/// it. Over real gRPC, with a real inference server, against each store.
/// </summary>
public abstract class SessionHistoryTests(InferenceServer inference, IStoreBackend backend) : SessionServiceTests(inference, backend)
{
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
        await AssertPrecondition(() => AsClientSees(() => editor.BeginDragAsync(key, new ActiveDrag { DragId = SessionIds.New() }, null, null, null, CancellationToken.None)));
        AssertMissing(await Assert.ThrowsAsync<RpcException>(() => AsClientSees(() =>
            editor.RecordDragProgressAsync(key, new ActiveDrag { DragId = SessionIds.New() }, null, CancellationToken.None))), "drag_id");

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
        var refused = await Assert.ThrowsAsync<RpcException>(() => AsClientSees(() => editor.CommitDragAsync(key,
            new CommittedDrag(drag.DragId, diverged, [Pair(100, 128, 130, 128)], null, null, 6, DragOutcome.Stopped), CancellationToken.None)));
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
}

[Collection(InferenceCollection.Name)]
public sealed class SqliteSessionHistoryTests(InferenceServer inference, SqliteBackend backend)
    : SessionHistoryTests(inference, backend), IClassFixture<SqliteBackend>;

[Collection(InferenceCollection.Name)]
public sealed class RedisSessionHistoryTests(InferenceServer inference, RedisBackend backend)
    : SessionHistoryTests(inference, backend), IClassFixture<RedisBackend>;
