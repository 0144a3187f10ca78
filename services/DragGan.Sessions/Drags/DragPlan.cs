using DragGan.Protos.V1;
using DragGan.Sessions.Storage;
using Google.Protobuf;

namespace DragGan.Sessions.Drags;

/// <summary>
/// What a session drag runs: the inference start (model, the session's current latent, points,
/// mask, parameters), the frame options the client asked for, and, when a drag continues after its
/// session-service process went away, the state it continues from. <see cref="Resolution"/> is the
/// model's, which bounds the frames kept for ExportAnimation. <see cref="WeightDelta"/> is the
/// session's tuned-photo delta (empty for none), sent with every start and resume of the drag.
/// </summary>
internal sealed record DragPlan(SessionKey Key, string DragId, DragStart Start, FrameOptions ClientFrames, DragState? ResumeFrom, uint Resolution, ByteString WeightDelta)
{
    /// <summary>The client's frame options, with the state every <paramref name="persistEvery"/> steps for persisting.</summary>
    public FrameOptions InferenceFrames(int persistEvery)
    {
        var frames = ClientFrames.Clone();
        if (frames.LatentEveryKSteps == 0 || frames.LatentEveryKSteps > persistEvery)
            frames.LatentEveryKSteps = (uint)persistEvery;
        return frames;
    }

    /// <summary>
    /// The frame as the client asked for it: never the state or the inference stream's command
    /// count, the latent at the client's interval or at the end.
    /// </summary>
    public DragFrame ForClient(DragFrame frame)
    {
        var copy = frame.Clone();
        copy.State = null;
        copy.CommandsApplied = 0;
        var every = ClientFrames.LatentEveryKSteps;
        var ends = frame.Converged || frame.StepLimitReached || frame.Paused || frame.Final;
        if (!ends && (every == 0 || frame.Step % every != 0))
            copy.Latent = null;
        return copy;
    }
}
