namespace DragGan.Sessions.Errors;

/// <summary>The session of a running drag was deleted or expired: the drag ended without a commit.</summary>
public sealed class DragSessionGoneException(string sessionId)
    : SessionsException($"Session '{sessionId}' was deleted or has expired; its drag ended.")
{
    public string SessionId { get; } = sessionId;
}
