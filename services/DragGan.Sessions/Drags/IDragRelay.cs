using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>
/// Carries a drag's frames and commands between session-service replicas, so that the unary drag
/// calls and WatchDrag work on any replica, not only on the one that runs the drag. The replica
/// that runs a drag publishes its frames and listens for commands; the others send commands and
/// listen for frames.
/// </summary>
internal interface IDragRelay
{
    /// <summary>False where there is one replica only (the embedded store): every drag is local.</summary>
    bool Enabled { get; }

    Task PublishFrameAsync(string dragId, SessionDragFrame frame);

    Task<IAsyncDisposable> SubscribeFramesAsync(string dragId, Action<SessionDragFrame> onFrame);

    /// <summary>
    /// Sends a command to the replica that runs the drag and waits, up to <paramref name="timeout"/>
    /// (default 5 s), for its answer: queued, or refused because its queue is full.
    /// </summary>
    Task<RelayedCommandOutcome> SendCommandAsync(string dragId, RelayedDragCommand command, CancellationToken cancellationToken, TimeSpan? timeout = null);

    /// <summary>
    /// Delivers the drag's commands one at a time, in order, to <paramref name="onCommand"/>, which
    /// answers at once whether it queued the command (it must not wait for room); the sender gets the answer.
    /// </summary>
    Task<IAsyncDisposable> SubscribeCommandsAsync(string dragId, Func<RelayedDragCommand, bool> onCommand);

    /// <summary>Whether a replica listens for the drag's commands (the one that runs it is alive).</summary>
    Task<bool> HasRunnerAsync(string dragId);

    /// <summary>Whether a replica listens for the drag's frames (someone watches it elsewhere).</summary>
    Task<bool> HasWatchersAsync(string dragId);
}
