using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Inference.Streaming;
using DragGan.Protos.V1;
using ModelInfo = DragGan.Engine.Models.ModelInfo;

namespace DragGan.Inference.Drags;

/// <summary>
/// One Drag call as its model's scheduler loop sees it: the edit, the commands the client queued,
/// and a bounded queue of frames for the call's writer. The loop is the only thread that touches
/// the edit; the call posts commands and reads frames.
/// </summary>
/// <remarks>
/// The command queue holds at most <see cref="MaxPendingCommands"/> of the client's commands: the
/// call's reader waits for room, and while it waits it reads nothing more, so HTTP/2 flow control
/// holds the client back instead of this replica's memory filling up. Nothing is dropped.
/// The frame queue drops the oldest frame when full: a slow consumer sees fewer frames, never a
/// stalled edit or a stalled neighbour. Nothing is lost that way: every frame carries the current
/// points, and the frames that carry state (end of a drag, pause, stop, hand-back) are the newest
/// when they are queued, so they are never the ones dropped.
/// </remarks>
internal sealed class DragStream : IDisposable
{
    /// <summary>Client commands a stream may have waiting for the loop.</summary>
    public const int MaxPendingCommands = 32;

    private readonly ConcurrentQueue<(DragLoopCommand Command, bool FromClient)> _commands = new();
    private readonly SemaphoreSlim _commandRoom = new(MaxPendingCommands, MaxPendingCommands);
    private readonly Channel<PendingFrame> _frames;

    public DragStream(string id, ModelInfo model, DragEdit edit, FrameSettings frames, string? sessionId,
        int queueCapacity, Action<PendingFrame>? frameDropped, CancellationToken callAborted, ActivityContext trace = default, string tenant = "")
    {
        Id = id;
        Tenant = tenant;
        Trace = trace;
        Model = model;
        Edit = edit;
        Frames = frames;
        SessionId = sessionId;
        CallAborted = callAborted;
        _frames = Channel.CreateBounded(new BoundedChannelOptions(queueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        }, frameDropped);
    }

    public string Id { get; }

    /// <summary>Whose drag it is (<see cref="Contracts.TenantMetadata"/>), for the loop's turns between tenants; "" when not named.</summary>
    public string Tenant { get; }

    public ModelInfo Model { get; }

    public DragEdit Edit { get; }

    public FrameSettings Frames { get; set; }

    public string? SessionId { get; }

    /// <summary>The call's span, which the batch steps serving this stream belong to or link to; default when untraced.</summary>
    public ActivityContext Trace { get; }

    /// <summary>Fires when the call ends on the client's side (cancel, deadline, disconnect).</summary>
    public CancellationToken CallAborted { get; }

    /// <summary>The final, failing or hand-back frame was queued; the loop takes no more steps.</summary>
    public bool Ended { get; private set; }

    /// <summary>The edit wants a step: not paused, not converged or at its step limit, and still connected.</summary>
    public bool Ready => !Ended && !CallAborted.IsCancellationRequested && !Edit.Paused && !Edit.Finished;

    public bool HasCommands => !_commands.IsEmpty;

    /// <summary>Client messages after the opening one that the loop has applied; every frame reports it.</summary>
    public ulong CommandsApplied { get; set; }

    /// <summary>When the stream last stepped or received a message (<see cref="Environment.TickCount64"/>, ms).</summary>
    public long LastActiveMs { get; private set; } = Environment.TickCount64;

    /// <summary>The stream stepped or a message of its client was applied: it is not idle.</summary>
    public void MarkActive() => LastActiveMs = Environment.TickCount64;

    public int QueuedFrames => _frames.Reader.CanCount ? _frames.Reader.Count : 0;

    public ChannelReader<PendingFrame> Output => _frames.Reader;

    /// <summary>Commands waiting for the loop.</summary>
    public int PendingCommands => _commands.Count;

    /// <summary>Queues a client's command once fewer than <see cref="MaxPendingCommands"/> of them wait.</summary>
    public async Task PostAsync(DragLoopCommand command, CancellationToken cancellationToken)
    {
        await _commandRoom.WaitAsync(cancellationToken);
        _commands.Enqueue((command, true));
    }

    /// <summary>Queues the replica's own command (a hand-back) at once, outside the client's bound.</summary>
    public void Post(DragLoopCommand command) => _commands.Enqueue((command, false));

    public bool TryTakeCommand(out DragLoopCommand? command)
    {
        if (!_commands.TryDequeue(out var entry))
        {
            command = null;
            return false;
        }
        if (entry.FromClient)
            _commandRoom.Release();
        command = entry.Command;
        return true;
    }

    public void Publish(PendingFrame frame) => _frames.Writer.TryWrite(frame);

    /// <summary>No more frames after this one; the call ends with <paramref name="error"/> when given.</summary>
    public void End(PendingFrame? last, Exception? error = null)
    {
        if (Ended)
            return;
        if (last is not null)
            Publish(last);
        Ended = true;
        _frames.Writer.TryComplete(error);
    }

    /// <summary>A frame of the edit's current points, with the state when <paramref name="withState"/>; no step taken.</summary>
    public PendingFrame StateFrame(bool withState, RgbImage? image = null)
    {
        var frame = PointsFrame();
        if (withState)
            AttachState(frame);
        return new PendingFrame(frame, image, Frames.Image);
    }

    /// <summary>The frame of a step this edit just took.</summary>
    public PendingFrame StepFrame(DragStepResult result, RgbImage? image)
    {
        var frame = new DragFrame
        {
            Step = (uint)result.Step,
            Loss = result.Loss,
            Converged = result.Converged,
            StepLimitReached = result.StepLimitReached,
            CommandsApplied = CommandsApplied,
        };
        frame.Handles.AddRange(DragMessages.ToMessages(result.Handles));
        frame.Targets.AddRange(DragMessages.ToMessages(result.Targets));
        frame.Distances.AddRange(result.Distances);
        if (result.Finished || Frames.LatentDue(result.Step))
            AttachState(frame);
        return new PendingFrame(frame, image, Frames.Image);
    }

    public void Dispose() => Edit.Dispose();

    private DragFrame PointsFrame()
    {
        var frame = new DragFrame
        {
            Step = (uint)Edit.Step,
            Converged = Edit.Converged,
            StepLimitReached = !Edit.Converged && Edit.StepLimitReached,
            Paused = Edit.Paused,
            CommandsApplied = CommandsApplied,
        };
        frame.Handles.AddRange(DragMessages.ToMessages(Edit.Handles));
        frame.Targets.AddRange(DragMessages.ToMessages(Edit.Targets));
        frame.Distances.AddRange(Edit.Distances);
        return frame;
    }

    private void AttachState(DragFrame frame)
    {
        var state = DragMessages.ToMessage(Edit.Snapshot(), Model.Name, Edit.ResolvedParameters, Model.Resolution);
        frame.State = state;
        frame.Latent = state.Latent;
    }
}
