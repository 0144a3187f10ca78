namespace DragGan.Sessions.Storage;

/// <summary>
/// The image frames of each session's latest drag, for ExportAnimation: a bounded list that lives
/// and dies with its session. Bounded three ways (<see cref="SessionStoreLimits"/>): the most recent
/// frames by count and by bytes per session, and by bytes per tenant over all its sessions.
/// </summary>
public interface IDragFrameStore
{
    /// <summary>
    /// Appends a frame. A frame of a new drag (another <see cref="StoredDragFrame.DragId"/>)
    /// first drops the frames of the previous one. The session's oldest frames go to make room;
    /// when even dropping all of them would leave the session's or the tenant's budget short (the
    /// tenant's stored bytes quota counting its sessions too), the frame is not kept.
    /// </summary>
    /// <returns>Whether the frame was kept.</returns>
    /// <exception cref="SessionNotFoundException">The session is gone.</exception>
    Task<bool> AppendFrameAsync(SessionKey key, StoredDragFrame frame, CancellationToken cancellationToken);

    /// <summary>The stored frames of <paramref name="dragId"/>, oldest first; empty when none are (any longer) stored.</summary>
    Task<IReadOnlyList<StoredDragFrame>> ReadFramesAsync(SessionKey key, string dragId, CancellationToken cancellationToken);
}
