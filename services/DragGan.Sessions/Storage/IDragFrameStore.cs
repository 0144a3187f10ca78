namespace DragGan.Sessions.Storage;

/// <summary>
/// The image frames of each session's latest drag, for ExportAnimation: a bounded list (the
/// most recent <see cref="SessionsOptions.MaxDragFrames"/> kept) that lives and dies with its
/// session.
/// </summary>
public interface IDragFrameStore
{
    /// <summary>
    /// Appends a frame. A frame of a new drag (another <see cref="StoredDragFrame.DragId"/>)
    /// first drops the frames of the previous one.
    /// </summary>
    /// <exception cref="SessionNotFoundException">The session is gone.</exception>
    Task AppendFrameAsync(SessionKey key, StoredDragFrame frame, CancellationToken cancellationToken);

    /// <summary>The stored frames of <paramref name="dragId"/>, oldest first; empty when none are (any longer) stored.</summary>
    Task<IReadOnlyList<StoredDragFrame>> ReadFramesAsync(SessionKey key, string dragId, CancellationToken cancellationToken);
}
