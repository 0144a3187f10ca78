using DragGan.Protos.V1;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;

namespace DragGan.Sessions.Domain;

/// <summary>
/// What a response shows of a stored session (SessionView). The store keeps each latent once,
/// in its history entry; the session's current latent is filled in here.
/// </summary>
internal static class SessionViews
{
    /// <summary>Checks a request's view; UNSPECIFIED becomes <paramref name="fallback"/>.</summary>
    public static SessionView Resolve(SessionView view, SessionView fallback, string field = "view") => view switch
    {
        SessionView.Unspecified => fallback,
        SessionView.Basic or SessionView.Standard or SessionView.Full => view,
        _ => throw new InvalidInputException(field, $"must be BASIC, STANDARD or FULL, got {(int)view}."),
    };

    public static Protos.V1.Session Project(SessionRecord record, SessionView view)
    {
        var session = record.Value.Session.Clone();
        session.Version = (ulong)record.Version;
        session.WeightDeltaBytes = (ulong)record.Value.WeightDelta.Length;
        if (view != SessionView.Basic && session.History.Count > 0)
            session.Latent = SessionHistory.Current(session).Latent?.Clone();
        if (view != SessionView.Full)
        {
            foreach (var entry in session.History)
                entry.Latent = null;
        }
        if (view == SessionView.Basic)
        {
            session.Latent = null;
            session.Mask?.ClearValues();
        }
        return session;
    }

    private static void ClearValues(this Mask mask) => mask.Values = Google.Protobuf.ByteString.Empty;
}
