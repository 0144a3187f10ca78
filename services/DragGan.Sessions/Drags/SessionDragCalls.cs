using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;
using Grpc.Core;

namespace DragGan.Sessions.Drags;

/// <summary>
/// The drag calls of draggan.v1.Sessions: the bidirectional Drag for backend callers, and for
/// browsers StartDrag / UpdateDrag / StopDrag with the server-streaming WatchDrag. The unary calls
/// and WatchDrag reach a drag on whichever replica runs it: directly when it is this one, through
/// the relay (<see cref="IDragRelay"/>) when it is another.
/// </summary>
internal sealed class SessionDragCalls(SessionDrags drags, IDragRelay relay)
{
    public async Task DragAsync(SessionKeyResolver keys, IAsyncStreamReader<SessionDragRequest> requests, IServerStreamWriter<SessionDragFrame> responses, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        if (!await requests.MoveNext(cancellation))
            throw Invalid.Argument("kind", "the stream ended before a start message.");
        if (requests.Current.KindCase != SessionDragRequest.KindOneofCase.Start)
            throw Invalid.Argument("kind", "the first message must be start.");
        var start = requests.Current.Start;
        var (run, watcher) = await drags.StartAsync(keys(start.SessionId, "start.session_id"), start, DragClient.Stream, cancellation);

        using (watcher)
        {
            var relay = RelayAsync(requests, run, cancellation);
            try
            {
                await foreach (var frame in watcher.Frames.ReadAllAsync(cancellation))
                    await responses.WriteAsync(frame, cancellation);
            }
            finally
            {
                // However the call ends, the drag ends with it and is committed: nothing is lost.
                await run.PostAsync(new DragCommand.Stop(Discard: false), CancellationToken.None);
                await relay;
            }
        }
    }

    public async Task<StartDragResponse> StartDragAsync(SessionKeyResolver keys, StartDragRequest request, ServerCallContext context)
    {
        var start = request.Start ?? throw Invalid.Argument("start", "is required.");
        var (run, watcher) = await drags.StartAsync(keys(start.SessionId, "start.session_id"), start, DragClient.Unary, context.CancellationToken);
        // Browsers watch with WatchDrag; the start's own watcher only waited for the first frame.
        watcher.Dispose();
        return new StartDragResponse { ActiveDrag = run.Active };
    }

    public async Task<UpdateDragResponse> UpdateDragAsync(SessionKeyResolver keys, UpdateDragRequest request, ServerCallContext context)
    {
        var (local, active) = await drags.FindAsync(keys(request.SessionId, "session_id"), request.DragId, context.CancellationToken);
        DragCommand command = request.KindCase switch
        {
            UpdateDragRequest.KindOneofCase.Update => new DragCommand.Update(request.Update),
            UpdateDragRequest.KindOneofCase.Pause => new DragCommand.Pause(),
            UpdateDragRequest.KindOneofCase.Unpause => new DragCommand.Unpause(),
            _ => throw Invalid.Argument("kind", "must be update, pause or unpause."),
        };
        if (local is not null)
        {
            if (!local.TryPost(command))
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"Drag '{local.DragId}' already holds {SessionDragRun.MaxPendingCommands} commands that have not reached the model; retry once its next frame arrives."));
            return new UpdateDragResponse { ActiveDrag = local.Active };
        }
        await SendAsync(active, command);
        return new UpdateDragResponse { ActiveDrag = active };
    }

    public async Task<StopDragResponse> StopDragAsync(SessionKeyResolver keys, StopDragRequest request, ServerCallContext context)
    {
        var (local, active) = await drags.FindAsync(keys(request.SessionId, "session_id"), request.DragId, context.CancellationToken);
        var stop = new DragCommand.Stop(request.Discard);
        SessionDragFrame last;
        if (local is not null)
        {
            await local.PostAsync(stop, context.CancellationToken);
            last = await local.Completion.WaitAsync(context.CancellationToken);
        }
        else
        {
            // Listen before asking, so that the commit's frame cannot slip by.
            var frames = new RelayedFrames();
            await using (await relay.SubscribeFramesAsync(active.DragId, frames.Add))
            {
                await SendAsync(active, stop);
                last = await frames.LastAsync(context.CancellationToken);
            }
        }
        var response = new StopDragResponse { Session = last.Session };
        if (last.HasCommittedEntryId)
            response.CommittedEntryId = last.CommittedEntryId;
        return response;
    }

    public async Task WatchDragAsync(SessionKeyResolver keys, WatchDragRequest request, IServerStreamWriter<SessionDragFrame> responses, ServerCallContext context)
    {
        var (local, active) = await drags.FindAsync(keys(request.SessionId, "session_id"), request.DragId, context.CancellationToken);
        if (local is not null)
        {
            using var watcher = local.Watch();
            await foreach (var frame in watcher.Frames.ReadAllAsync(context.CancellationToken))
                await responses.WriteAsync(frame, context.CancellationToken);
            return;
        }
        var frames = new RelayedFrames();
        await using (await relay.SubscribeFramesAsync(active.DragId, frames.Add))
        {
            await foreach (var frame in frames.Reader.ReadAllAsync(context.CancellationToken))
                await responses.WriteAsync(frame, context.CancellationToken);
        }
    }

    private async Task SendAsync(ActiveDrag active, DragCommand command)
    {
        if (!await relay.SendCommandAsync(active.DragId, command.ToRelayed()))
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"No session-service replica runs drag '{active.DragId}' any more; take it over with a Drag start that sets take_over."));
    }

    /// <summary>
    /// The client's messages after the start, as commands; half-close stops and commits. While
    /// the drag's command queue is full this stops reading, so HTTP/2 flow control holds the client back.
    /// </summary>
    private static async Task RelayAsync(IAsyncStreamReader<SessionDragRequest> requests, SessionDragRun run, CancellationToken cancellationToken)
    {
        try
        {
            while (await requests.MoveNext(cancellationToken))
            {
                DragCommand? command = requests.Current.KindCase switch
                {
                    SessionDragRequest.KindOneofCase.Update => new DragCommand.Update(requests.Current.Update),
                    SessionDragRequest.KindOneofCase.Pause => new DragCommand.Pause(),
                    SessionDragRequest.KindOneofCase.Unpause => new DragCommand.Unpause(),
                    SessionDragRequest.KindOneofCase.Stop => new DragCommand.Stop(Discard: false),
                    _ => null,
                };
                if (command is null)
                    continue;
                await run.PostAsync(command, cancellationToken);
                if (command is DragCommand.Stop)
                    return;
            }
            await run.PostAsync(new DragCommand.Stop(Discard: false), cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
        }
    }
}

/// <summary>The caller's key for a session id in a request, naming the field when it is missing.</summary>
internal delegate SessionKey SessionKeyResolver(string sessionId, string field);
