using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;
using Grpc.Core;

namespace DragGan.Sessions.Drags;

/// <summary>
/// The drag calls of draggan.v1.Sessions: the bidirectional Drag for backend callers, and for
/// browsers StartDrag / UpdateDrag / StopDrag with the server-streaming WatchDrag. The unary calls
/// and WatchDrag reach a drag on whichever replica runs it: directly when it is this one, through
/// the relay (<see cref="IDragRelay"/>) when it is another. A drag that no process runs any more
/// (its replica died or handed it back) is taken over by the call that finds it, or ended by StopDrag,
/// so that the session is usable again from any replica.
/// </summary>
internal sealed class SessionDragCallHandler(DragCoordinator drags, SessionEditor editor, IDragRelay relay)
{
    public async Task DragAsync(SessionKeyResolver keys, IAsyncStreamReader<SessionDragRequest> requests, IServerStreamWriter<SessionDragFrame> responses, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        if (!await requests.MoveNext(cancellation))
            throw new InvalidInputException("kind", "the stream ended before a start message.");
        if (requests.Current.KindCase != SessionDragRequest.KindOneofCase.Start)
            throw new InvalidInputException("kind", "the first message must be start.");
        var start = requests.Current.Start;
        var (drag, frames) = await drags.StartAsync(keys(start.SessionId, "start.session_id"), start, DragClient.Stream, cancellation);

        using var relaying = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var relay = RelayAsync(requests, drag, relaying.Token);
        try
        {
            await foreach (var frame in frames.ReadAllAsync(cancellation))
                await responses.WriteAsync(frame, cancellation);
        }
        finally
        {
            // However the call ends, the drag ends with it and is committed: nothing is lost.
            await TrySendAsync(drag, new ClientDragCommand.Stop(Discard: false));
            // The drag may have ended on its own (failed, handed back) while the client still has
            // the stream open: stop waiting for its messages.
            await relaying.CancelAsync();
            await relay;
            await Forget(drag, frames);
        }
    }

    public async Task<StartDragResponse> StartDragAsync(SessionKeyResolver keys, StartDragRequest request, ServerCallContext context)
    {
        var start = request.Start ?? throw new InvalidInputException("start", "is required.");
        var (drag, frames) = await drags.StartAsync(keys(start.SessionId, "start.session_id"), start, DragClient.Unary, context.CancellationToken);
        await Forget(drag, frames);
        return new StartDragResponse { ActiveDrag = drag.Active };
    }

    public async Task<UpdateDragResponse> UpdateDragAsync(SessionKeyResolver keys, UpdateDragRequest request, ServerCallContext context)
    {
        var key = keys(request.SessionId, "session_id");
        var found = await drags.FindAsync(key, request.DragId, context.CancellationToken);
        ClientDragCommand command = request.KindCase switch
        {
            UpdateDragRequest.KindOneofCase.Update => new ClientDragCommand.Update(request.Update),
            UpdateDragRequest.KindOneofCase.Pause => new ClientDragCommand.Pause(),
            UpdateDragRequest.KindOneofCase.Unpause => new ClientDragCommand.Unpause(),
            _ => throw new InvalidInputException("kind", "must be update, pause or unpause."),
        };
        var local = found.Local ?? (found.Orphaned ? await drags.ResumeOrphanAsync(key, found.Active, context.CancellationToken) : null);
        if (local is not null)
        {
            if (!local.TryPost(command))
                throw new LimitReachedException(
                    $"Drag '{local.DragId}' already holds {SessionDragRun.MaxPendingCommands} commands that have not reached the model; retry once its next frame arrives.");
            return new UpdateDragResponse { ActiveDrag = local.Active };
        }
        await SendAsync(found.Active, command);
        return new UpdateDragResponse { ActiveDrag = found.Active };
    }

    public async Task<StopDragResponse> StopDragAsync(SessionKeyResolver keys, StopDragRequest request, ServerCallContext context)
    {
        var key = keys(request.SessionId, "session_id");
        var found = await drags.FindAsync(key, request.DragId, context.CancellationToken);
        var view = SessionViews.Resolve(request.View, SessionView.Standard);
        var stop = new ClientDragCommand.Stop(request.Discard);
        SessionDragFrame? last;
        if (found.Local is { } local)
        {
            await local.PostAsync(stop, context.CancellationToken);
            last = await local.Completion.WaitAsync(context.CancellationToken);
        }
        else if (found.Orphaned && await drags.StopOrphanAsync(key, found.Active, request.Discard, view, context.CancellationToken) is { } ended)
        {
            return ended;
        }
        else
        {
            // Listen before asking, so that the commit's frame cannot slip by.
            var frames = new RelayedFrames();
            await using (await relay.SubscribeFramesAsync(found.Active.DragId, frames.Add))
            {
                await SendAsync(found.Active, stop);
                last = await frames.LastAsync(context.CancellationToken);
            }
            // The replica handed the drag back before it stopped: end it here.
            if (last is null)
                return await drags.StopOrphanAsync(key, found.Active, request.Discard, view, context.CancellationToken)
                    ?? throw new TemporarilyUnavailableException($"Drag '{found.Active.DragId}' moved to another replica; retry.");
        }
        var response = new StopDragResponse { Session = last.Session };
        if (last.HasCommittedEntryId)
            response.CommittedEntryId = last.CommittedEntryId;
        return response;
    }

    public async Task WatchDragAsync(SessionKeyResolver keys, WatchDragRequest request, IServerStreamWriter<SessionDragFrame> responses, ServerCallContext context)
    {
        var key = keys(request.SessionId, "session_id");
        var found = await drags.FindAsync(key, request.DragId, context.CancellationToken);
        // A drag nobody runs any more continues here, for its watcher.
        var local = found.Local ?? (found.Orphaned ? await drags.ResumeOrphanAsync(key, found.Active, context.CancellationToken) : null);
        if (local is not null)
        {
            // The watcher leaves when the call ends, so it no longer counts as watching the drag.
            using var watcher = local.Watch();
            await foreach (var frame in watcher.Frames.ReadAllAsync(context.CancellationToken))
                await responses.WriteAsync(frame, context.CancellationToken);
            return;
        }
        await using var remote = await RemoteDrag.AttachAsync(relay, found.Active, context.CancellationToken);
        await foreach (var frame in remote.Frames.ReadAllAsync(context.CancellationToken))
            await responses.WriteAsync(frame, context.CancellationToken);
    }

    /// <summary>
    /// Deletes the session and ends its drag, wherever it runs, so that the drag's inference stream
    /// does not outlive the session.
    /// </summary>
    public async Task DeleteSessionAsync(SessionKey key, ulong? expectedVersion, CancellationToken cancellationToken)
    {
        var active = (await editor.FindAsync(key, cancellationToken))?.Value.Session.ActiveDrag;
        await editor.DeleteAsync(key, expectedVersion, cancellationToken);
        if (active is not null)
            await drags.EndForDeletedSessionAsync(active.DragId);
    }

    private async Task SendAsync(ActiveDrag active, ClientDragCommand command)
    {
        (await relay.SendCommandAsync(active.DragId, command.ToRelayed(), CancellationToken.None)).ThrowUnlessQueued(active.DragId);
    }

    /// <summary>Best effort: a remote drag whose replica is gone has nobody left to tell.</summary>
    private static async Task TrySendAsync(IDragControl drag, ClientDragCommand command)
    {
        try
        {
            await drag.SendAsync(command);
        }
        catch (SessionsException)
        {
        }
    }

    /// <summary>The call no longer watches the drag.</summary>
    private static async Task Forget(IDragControl drag, System.Threading.Channels.ChannelReader<SessionDragFrame> frames)
    {
        if (drag is SessionDragRun run)
            run.Forget(frames);
        else if (drag is IAsyncDisposable remote)
            await remote.DisposeAsync();
    }

    /// <summary>
    /// The client's messages after the start, as commands; half-close stops and commits. While
    /// the drag's command queue is full this stops reading, so HTTP/2 flow control holds the client back.
    /// </summary>
    private static async Task RelayAsync(IAsyncStreamReader<SessionDragRequest> requests, IDragControl drag, CancellationToken cancellationToken)
    {
        try
        {
            while (await requests.MoveNext(cancellationToken))
            {
                ClientDragCommand? command = requests.Current.KindCase switch
                {
                    SessionDragRequest.KindOneofCase.Update => new ClientDragCommand.Update(requests.Current.Update),
                    SessionDragRequest.KindOneofCase.Pause => new ClientDragCommand.Pause(),
                    SessionDragRequest.KindOneofCase.Unpause => new ClientDragCommand.Unpause(),
                    SessionDragRequest.KindOneofCase.Stop => new ClientDragCommand.Stop(Discard: false),
                    _ => null,
                };
                if (command is null)
                    continue;
                await drag.SendAsync(command, cancellationToken);
                if (command is ClientDragCommand.Stop)
                    return;
            }
            await drag.SendAsync(new ClientDragCommand.Stop(Discard: false), cancellationToken);
        }
        // RpcException: the client's stream broke (a message past the size limit, say).
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException or SessionsException or RpcException)
        {
        }
    }
}

/// <summary>The caller's key for a session id in a request, naming the field when it is missing.</summary>
internal delegate SessionKey SessionKeyResolver(string sessionId, string field);
