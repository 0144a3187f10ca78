using DragGan.Protos.V1;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;
using Google.Protobuf.WellKnownTypes;

namespace DragGan.Sessions.Domain;

/// <summary>
/// The history of committed states and the cursor into it (current_index), as in an editor:
/// undo and redo move the cursor, a commit drops the states after the cursor and appends, and
/// the oldest states go once there are more than the maximum.
/// </summary>
internal static class SessionHistory
{
    /// <summary>Appends a committed state after the current one; returns its id.</summary>
    public static ulong Commit(StoredSession stored, HistoryEntry entry, int maxHistory, DateTimeOffset now)
    {
        var session = stored.Session;
        var history = session.History;
        var newer = history.Count - 1 - (int)session.CurrentIndex;
        for (var i = 0; i < newer; i++)
            history.RemoveAt(history.Count - 1);

        entry.Id = stored.NextEntryId == 0 ? 1 : stored.NextEntryId;
        entry.CreateTime = Timestamp.FromDateTimeOffset(now);
        stored.NextEntryId = entry.Id + 1;
        history.Add(entry);
        while (history.Count > maxHistory)
            history.RemoveAt(0);
        session.CurrentIndex = (uint)(history.Count - 1);
        return entry.Id;
    }

    public static void Undo(StoredSession stored)
    {
        RequireNoActiveDrag(stored, "undo");
        if (stored.Session.CurrentIndex == 0)
            throw new OperationNotAllowedException("Nothing to undo: the session is at its oldest history entry.");
        stored.Session.CurrentIndex--;
    }

    public static void Redo(StoredSession stored)
    {
        RequireNoActiveDrag(stored, "redo");
        if (stored.Session.CurrentIndex + 1 >= stored.Session.History.Count)
            throw new OperationNotAllowedException("Nothing to redo: the session is at its newest history entry.");
        stored.Session.CurrentIndex++;
    }

    public static void CheckoutIndex(StoredSession stored, uint index)
    {
        RequireNoActiveDrag(stored, "check out");
        var count = stored.Session.History.Count;
        if (index >= count)
            throw new InvalidInputException("index", $"must be in 0..{count - 1} (the session has {count} history entries), got {index}.");
        stored.Session.CurrentIndex = index;
    }

    public static void CheckoutEntry(StoredSession stored, ulong entryId)
    {
        RequireNoActiveDrag(stored, "check out");
        stored.Session.CurrentIndex = (uint)IndexOf(stored.Session, entryId, "entry_id");
    }

    /// <summary>The entry with this id, or the current one when <paramref name="entryId"/> is null.</summary>
    /// <exception cref="ReferenceNotFoundException">Naming <paramref name="field"/>.</exception>
    public static HistoryEntry Find(Protos.V1.Session session, ulong? entryId, string field = "entry_id") =>
        session.History[entryId is { } id ? IndexOf(session, id, field) : (int)session.CurrentIndex];

    public static HistoryEntry Current(Protos.V1.Session session) => session.History[(int)session.CurrentIndex];

    private static int IndexOf(Protos.V1.Session session, ulong entryId, string field)
    {
        for (var i = 0; i < session.History.Count; i++)
        {
            if (session.History[i].Id == entryId)
                return i;
        }
        throw new ReferenceNotFoundException(field, $"{entryId} is not in the session's history (it holds entries {session.History[0].Id}..{session.History[^1].Id}; older ones were dropped).");
    }

    private static void RequireNoActiveDrag(StoredSession stored, string action)
    {
        if (stored.Session.ActiveDrag is { } drag)
            throw new OperationNotAllowedException($"Cannot {action} while drag '{drag.DragId}' runs on the session; stop it first.");
    }
}
