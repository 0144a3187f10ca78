using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Storage;
using Google.Protobuf.WellKnownTypes;

namespace DragGan.Sessions.Tests.Support;

/// <summary>Small stored sessions for the store tests (a tiny made-up latent; the store never looks inside).</summary>
public static class StoredSessions
{
    public static StoredSession New(string tenant, TimeSpan ttl, string? id = null)
    {
        var now = DateTimeOffset.UtcNow;
        var latent = new Latent { Rows = 2, WDim = 3 };
        latent.Values.AddRange([1, 2, 3, 4, 5, 6]);
        return new StoredSession
        {
            Tenant = tenant,
            NextEntryId = 2,
            Session = new Protos.V1.Session
            {
                Id = id ?? SessionIds.New(),
                Model = "demo",
                Resolution = 256,
                CreateTime = Timestamp.FromDateTimeOffset(now),
                UpdateTime = Timestamp.FromDateTimeOffset(now),
                ExpireTime = Timestamp.FromDateTimeOffset(now + ttl),
                Ttl = Duration.FromTimeSpan(ttl),
                History = { new HistoryEntry { Id = 1, Kind = HistoryEntryKind.Created, Latent = latent } },
            },
        };
    }

    /// <summary>Sets the expiry to now + the session's ttl, as every real write does.</summary>
    public static StoredSession Touched(this StoredSession session, TimeSpan? ttl = null)
    {
        var now = DateTimeOffset.UtcNow;
        session.Session.UpdateTime = Timestamp.FromDateTimeOffset(now);
        session.Session.ExpireTime = Timestamp.FromDateTimeOffset(now + (ttl ?? session.Session.Ttl.ToTimeSpan()));
        return session;
    }

    /// <summary>A frame whose image carries <paramref name="payload"/> bytes (the store never decodes it).</summary>
    public static StoredDragFrame Frame(string dragId, uint step, int payload) => new()
    {
        DragId = dragId,
        Step = step,
        Image = new EncodedImage { Encoding = ImageEncoding.Jpeg, Width = 16, Height = 16, Data = Google.Protobuf.ByteString.CopyFrom(new byte[payload]) },
    };

    public static StoredDragFrame Frame(string dragId, uint step) => new()
    {
        DragId = dragId,
        Step = step,
        Image = new EncodedImage { Encoding = ImageEncoding.RawRgb, Width = 1, Height = 1, Data = Google.Protobuf.ByteString.CopyFrom((byte)step, 0, 0) },
    };
}
