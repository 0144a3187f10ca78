namespace DragGan.Sessions.Errors;

/// <summary>
/// The work would pass a limit: the tenant's concurrent drags, generations, inversions or
/// exports, a drag's queue of commands, an animation's size, the inference replicas' streams. The
/// message names the limit and when to retry.
/// </summary>
public sealed class LimitReachedException(string message) : SessionsException(message);
