using System.Collections.Concurrent;

namespace DragGan.Sessions.Drags;

/// <summary>The drags this session-service process runs, by drag id.</summary>
internal sealed class ActiveDragRegistry
{
    private readonly ConcurrentDictionary<string, SessionDragRun> _runs = new(StringComparer.Ordinal);

    public bool TryGet(string dragId, out SessionDragRun? run) => _runs.TryGetValue(dragId, out run);

    /// <summary>The runs at this moment.</summary>
    public IReadOnlyCollection<SessionDragRun> Runs => [.. _runs.Values];

    public void Add(SessionDragRun run)
    {
        _runs[run.DragId] = run;
        // Forgotten once it ends, however it ends.
        _ = run.Ended.ContinueWith(_ => _runs.TryRemove(run.DragId, out var _), TaskScheduler.Default);
    }
}
