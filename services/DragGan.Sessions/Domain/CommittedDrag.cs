using DragGan.Protos.V1;
using DragGan.Sessions.Storage;

namespace DragGan.Sessions.Domain;

/// <summary>
/// A finished (converged, step-limited or stopped) drag to commit to a session's history with
/// <see cref="SessionEditor.CommitDragAsync"/>.
/// </summary>
/// <param name="DragId">The drag's id (ActiveDrag.drag_id); committing the same id twice commits it once.</param>
/// <param name="FinalLatent">The drag's last w+ latent (rows = num_ws, as the session's latents).</param>
/// <param name="Points">Handle/target pairs at the end (handles where tracking left them).</param>
/// <param name="Mask">The fixed region the drag ended with; null = none.</param>
/// <param name="Parameters">The drag's resolved parameters; null = unknown.</param>
/// <param name="Steps">Optimisation steps taken.</param>
/// <param name="Outcome">How it ended.</param>
/// <param name="Frames">Image frames to store for ExportAnimation (when they were not appended while the drag ran); null = none.</param>
public sealed record CommittedDrag(
    string DragId,
    Latent FinalLatent,
    IReadOnlyList<PointPair> Points,
    Mask? Mask,
    DragParameters? Parameters,
    uint Steps,
    DragOutcome Outcome,
    IReadOnlyList<StoredDragFrame>? Frames = null);

/// <summary>The session after a commit and the history entry the drag became.</summary>
public sealed record DragCommitResult(SessionRecord Session, ulong EntryId);
