using System.Diagnostics;

namespace DragGan.LoadTests;

/// <summary>What one client stream saw: its frames' arrival times and the steps they reported.</summary>
internal sealed class StreamStats
{
    private readonly List<double> _gapsMs = [];
    private long _lastFrameTicks;

    public int Frames { get; private set; }

    public uint FirstStep { get; private set; }

    public uint LastStep { get; private set; }

    public string? Error { get; set; }

    public IReadOnlyList<double> FrameGapsMs => _gapsMs;

    public void Record(uint step)
    {
        var now = Stopwatch.GetTimestamp();
        if (Frames == 0)
            FirstStep = step;
        else
            _gapsMs.Add(Stopwatch.GetElapsedTime(_lastFrameTicks, now).TotalMilliseconds);
        _lastFrameTicks = now;
        LastStep = step;
        Frames++;
    }

    /// <summary>Steps the server took for this stream while it was measured (dropped frames included).</summary>
    public long Steps => Frames == 0 ? 0 : LastStep - FirstStep;
}
