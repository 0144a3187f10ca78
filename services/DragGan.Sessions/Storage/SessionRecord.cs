namespace DragGan.Sessions.Storage;

/// <summary>A stored session and the version it was read at (the compare-and-set token).</summary>
public sealed record SessionRecord(StoredSession Value, long Version)
{
    public SessionKey Key => SessionKey.Of(Value);
}
