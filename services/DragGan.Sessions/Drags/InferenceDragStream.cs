using System.Diagnostics;
using System.Threading.Channels;
using DragGan.Protos.V1;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Telemetry;

namespace DragGan.Sessions.Drags;

/// <summary>
/// One Drag stream of a session drag to one inference replica: it starts the edit (from the plan or
/// a saved state), replays the commands that state does not cover, forwards the client's commands
/// as they come, and records and publishes each frame, until the final frame, a hand-back (the
/// replica drains) or a failure, which it leaves to <see cref="DragFailover"/>.
/// </summary>
internal sealed class InferenceDragStream(
    DragPlan plan,
    InferenceGateway inference,
    ChannelReader<ClientDragCommand> commands,
    DragProgress progress,
    DragFrameFanOut watchers,
    int persistEvery,
    ILogger logger)
{
    /// <summary>
    /// Runs the stream to its end: the final frame (not yet published), or none when the replica
    /// handed the drag back, with the last state the stream carried. <paramref name="published"/>
    /// follows every frame published to the watchers.
    /// </summary>
    public async Task<(DragFrame? Final, DragState? State)> RunAsync(
        InferenceReplica replica, DragState? state, CommandReplay replay, bool resumed, Action published, CancellationToken abort)
    {
        using var trace = SessionsTracing.StartInferenceStream(replica.Address, plan.Start.Model, resumed);
        try
        {
            var end = await ReadAsync(replica, state, replay, resumed, published, abort);
            trace?.SetTag("draggan.handed_back", end.Final is null);
            return end;
        }
        catch (Exception e)
        {
            trace?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }

    private async Task<(DragFrame? Final, DragState? State)> ReadAsync(
        InferenceReplica replica, DragState? state, CommandReplay replay, bool resumed, Action published, CancellationToken abort)
    {
        using var load = replica.TrackDrag();
        using var call = inference.OpenDrag(replica, plan.Key.Tenant, abort);
        var frames = plan.InferenceFrames(persistEvery);
        // The session's delta travels with every start and resume: no replica keeps it.
        await call.SendAsync(state is null
            ? new DragRequest { Start = WithFrames(plan.Start, frames, plan.WeightDelta) }
            : new DragRequest { Resume = new DragResume { State = state, FrameOptions = frames, SessionId = plan.Key.Id, WeightDelta = plan.WeightDelta } });
        foreach (var command in replay.BeginStream())
            await call.SendAsync(command.ToInference());
        progress.RunningOn(replica);
        logger.LogInformation("Drag {DragId} of session {SessionId} {Verb} on {Replica} ({ReplicaName})",
            plan.DragId, plan.Key.Id, state is null ? "starts" : "resumes", replica.Address, replica.Name);

        using var forwarding = CancellationTokenSource.CreateLinkedTokenSource(abort);
        var forward = ForwardCommandsAsync(call, replay, forwarding.Token);
        try
        {
            await foreach (var frame in call.ReadFramesAsync(abort))
            {
                await progress.RecordAsync(frame, replay);
                if (frame.HandedBack)
                    return (null, frame.State);
                if (frame.Final)
                    return (frame, frame.State);
                await watchers.PublishAsync(new SessionDragFrame { Frame = plan.ForClient(frame), SessionId = plan.Key.Id, DragId = plan.DragId, Resumed = resumed }, last: false);
                published();
                resumed = false;
            }
            throw new InferenceFailedException(InferenceFailure.ReplicaFailed, $"The inference replica {replica.Address} ended the drag without a final frame.");
        }
        finally
        {
            await forwarding.CancelAsync();
            await forward;
        }
    }

    /// <summary>Client commands to the inference stream; each is kept for replay until a persisted state covers it.</summary>
    private async Task ForwardCommandsAsync(InferenceDragCall requests, CommandReplay replay, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var command in commands.ReadAllAsync(cancellationToken))
            {
                replay.Sending(command);
                await requests.SendAsync(command.ToInference(), cancellationToken);
                if (command is ClientDragCommand.Stop)
                    return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InferenceFailedException or InvalidOperationException or IOException)
        {
            // The stream failed or ended; the failover decides what happens next.
        }
    }

    private static DragStart WithFrames(DragStart start, FrameOptions frames, Google.Protobuf.ByteString weightDelta)
    {
        var copy = start.Clone();
        copy.FrameOptions = frames;
        copy.WeightDelta = weightDelta;
        return copy;
    }
}
