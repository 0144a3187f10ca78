namespace DragGan.Sessions.Errors;

/// <summary>
/// What the call needs cannot be reached right now (no inference replica, a drag moving between
/// replicas, a replica that does not answer); the same call can succeed when retried.
/// </summary>
public sealed class TemporarilyUnavailableException(string message) : SessionsException(message);
