using Google.Protobuf.WellKnownTypes;

namespace DragGan.Sessions.Domain;

/// <summary>
/// A session's expiry slides with its changes: every write sets update_time to now and
/// expire_time to now + ttl, so a session in use never expires under its user, and an abandoned
/// one disappears ttl after its last change. Reads do not extend it.
/// </summary>
internal static class SessionLifetime
{
    public static void Touch(Protos.V1.Session session, DateTimeOffset now)
    {
        session.UpdateTime = Timestamp.FromDateTimeOffset(now);
        session.ExpireTime = Timestamp.FromDateTimeOffset(now + session.Ttl.ToTimeSpan());
    }
}
