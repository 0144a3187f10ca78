namespace DragGan.Sessions.Storage;

/// <summary>A stored session and the version it was read at (the compare-and-set token).</summary>
public sealed record SessionRecord(StoredSession Value, long Version)
{
    public SessionKey Key => SessionKey.Of(Value);

    /// <summary>A session as a store read it: the version goes into the message too, where clients see it.</summary>
    public static SessionRecord Versioned(StoredSession session, long version)
    {
        session.Session.Version = (ulong)version;
        return new SessionRecord(session, version);
    }

    /// <summary>When a session expires, in Unix milliseconds (what both stores index by).</summary>
    /// <exception cref="ArgumentException">The session has no expire_time.</exception>
    public static long ExpiresAtMs(StoredSession session) =>
        (session.Session.ExpireTime ?? throw new ArgumentException("Session.expire_time must be set.", nameof(session)))
            .ToDateTimeOffset().ToUnixTimeMilliseconds();
}
