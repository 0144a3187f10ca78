namespace DragGan.Sessions.Errors;

/// <summary>
/// The call is well formed but cannot be carried out as things stand (a drag runs on the session,
/// nothing is left to undo, this replica cannot encode MP4); the message says what to change.
/// </summary>
public sealed class OperationNotAllowedException(string message) : SessionsException(message);
