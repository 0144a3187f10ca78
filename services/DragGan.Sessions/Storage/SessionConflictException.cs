namespace DragGan.Sessions.Storage;

/// <summary>
/// A compare-and-set lost: the session changed since it was read (or, on create, the id is
/// taken). Read it again and retry; the service answers ABORTED when retries run out.
/// </summary>
public sealed class SessionConflictException(SessionKey key, string detail)
    : Exception($"Session '{key.Id}' changed concurrently: {detail}")
{
    public SessionKey Key { get; } = key;
}
