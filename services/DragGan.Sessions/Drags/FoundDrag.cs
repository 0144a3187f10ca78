using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>
/// Where a session's active drag runs: here (<see cref="Local"/>), on another live replica, or
/// nowhere (<see cref="Orphaned"/>: its process died or handed it back).
/// </summary>
internal sealed record FoundDrag(ActiveDrag Active, SessionDragRun? Local, bool Orphaned);
