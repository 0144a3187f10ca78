using DragGan.Protos.V1;
using DragGan.Sessions.Errors;

namespace DragGan.Sessions.Drags;

/// <summary>A drag as a client's call steers it: run by this process, or by another replica through the relay.</summary>
internal interface IDragControl
{
    /// <summary>The drag as the session shows it.</summary>
    ActiveDrag Active { get; }

    /// <summary>Passes the command on to the drag, waiting while its command queue is full.</summary>
    /// <exception cref="TemporarilyUnavailableException">When no replica runs the drag any more.</exception>
    Task SendAsync(ClientDragCommand command, CancellationToken cancellationToken = default);
}
