using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Inference;
using Google.Protobuf.WellKnownTypes;

namespace DragGan.Sessions.Drags;

/// <summary>
/// The drag as the session shows it (phase, step, replica, points), kept from the inference frames,
/// and what of them is saved with the session: the resumable state a frame carries (before the frame
/// is published, so that whatever a client has seen can be resumed) and the images kept for export.
/// </summary>
internal sealed class DragProgress(DragPlan plan, ActiveDrag active, SessionEditor editor, ILogger logger)
{
    private ActiveDrag _active = active.Clone();

    /// <summary>The drag as of the last frame.</summary>
    public ActiveDrag Snapshot => _active.Clone();

    public DragPhase Phase => _active.Phase;

    public uint Step => _active.Step;

    /// <summary>When the session expires, as of the last write to it that this process saw.</summary>
    public DateTimeOffset? SessionExpiresAt { get; private set; }

    public void NoteSessionExpiry(Timestamp? expireTime) => SessionExpiresAt = expireTime?.ToDateTimeOffset();

    /// <summary>An inference stream on <paramref name="replica"/> runs the drag now.</summary>
    public void RunningOn(InferenceReplica replica)
    {
        _active.Replica = replica.Name;
        _active.Phase = DragPhase.Running;
    }

    /// <summary>Takes in a frame from the inference stream, saving its state (confirming the commands it covers) and its image.</summary>
    public async Task RecordAsync(DragFrame frame, CommandReplay replay)
    {
        Update(frame);
        if (frame.State is not null)
        {
            var record = await editor.RecordDragProgressAsync(plan.Key, _active, frame.State, CancellationToken.None);
            NoteSessionExpiry(record.Value.Session.ExpireTime);
            replay.Confirm(frame.CommandsApplied);
        }
        if (frame.Image is not null
            && !await editor.AppendDragFrameAsync(plan.Key, plan.DragId, frame.Step, frame.Image, plan.Resolution, CancellationToken.None))
            logger.LogDebug("Drag {DragId}: frame {Step} not kept for export, the tenant's frame budget is full", plan.DragId, frame.Step);
    }

    private void Update(DragFrame frame)
    {
        var active = _active.Clone();
        active.Step = frame.Step;
        active.Phase = frame.Paused ? DragPhase.Paused
            : frame.Converged ? DragPhase.Converged
            : frame.StepLimitReached ? DragPhase.StepLimitReached
            : DragPhase.Running;
        active.UpdateTime = Timestamp.FromDateTime(DateTime.UtcNow);
        active.Points.Clear();
        active.Points.AddRange(frame.Handles.Zip(frame.Targets, (h, t) => new PointPair { Handle = h, Target = t }));
        _active = active;
    }
}
