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

    /// <summary>Sends a command to the replica that runs the drag; false when no replica listened.</summary>
    Task<bool> SendCommandAsync(string dragId, RelayedDragCommand command);

    /// <summary>Delivers the drag's commands one at a time, in order: the next waits until <paramref name="onCommand"/> has finished with this one.</summary>
    Task<IAsyncDisposable> SubscribeCommandsAsync(string dragId, Func<RelayedDragCommand, Task> onCommand);

    /// <summary>Whether a replica listens for the drag's commands (the one that runs it is alive).</summary>
    Task<bool> HasRunnerAsync(string dragId);

    /// <summary>Whether a replica listens for the drag's frames (someone watches it elsewhere).</summary>
    Task<bool> HasWatchersAsync(string dragId);
}
