using System.Collections;
using System.Diagnostics;

namespace DragGan.Client.Tests.Support;

/// <summary>
/// Where in-memory trace exporters put finished spans: safe to add to from several providers at
/// once and to read while they do. A span that several providers in the process exported is kept once.
/// </summary>
public sealed class RecordedSpans : ICollection<Activity>
{
    private readonly List<Activity> _spans = [];

    public int Count
    {
        get
        {
            lock (_spans)
                return _spans.Count;
        }
    }

    public bool IsReadOnly => false;

    public void Add(Activity item)
    {
        lock (_spans)
        {
            if (!_spans.Contains(item))
                _spans.Add(item);
        }
    }

    /// <summary>The spans of one trace, as recorded so far.</summary>
    public List<Activity> Of(ActivityTraceId trace)
    {
        lock (_spans)
            return _spans.Where(s => s.TraceId == trace).ToList();
    }

    public void Clear()
    {
        lock (_spans)
            _spans.Clear();
    }

    public bool Contains(Activity item)
    {
        lock (_spans)
            return _spans.Contains(item);
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_spans)
            _spans.CopyTo(array, arrayIndex);
    }

    public bool Remove(Activity item)
    {
        lock (_spans)
            return _spans.Remove(item);
    }

    public IEnumerator<Activity> GetEnumerator()
    {
        lock (_spans)
            return _spans.ToList().GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
