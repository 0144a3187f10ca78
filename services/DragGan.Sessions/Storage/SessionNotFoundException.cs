namespace DragGan.Sessions.Storage;

/// <summary>
/// The session does not exist for this tenant (never created, deleted, expired, or another
/// tenant's). The message is the same in every case so that NOT_FOUND reveals nothing.
/// </summary>
public sealed class SessionNotFoundException(string sessionId)
    : Exception($"Session '{Shorten(sessionId)}' was not found.")
{
    public string SessionId { get; } = sessionId;

    // Ids are 22 characters; a longer string is echoed only in part.
    private static string Shorten(string id) => id.Length <= 32 ? id : id[..32] + "…";
}
