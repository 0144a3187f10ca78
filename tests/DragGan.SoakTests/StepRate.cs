namespace DragGan.SoakTests;

/// <summary>
/// A tenant's drag step rate: the steps its drags took over the time they took, each drag counted
/// from its start (admission and the first step included) to the frame of its last step.
/// </summary>
internal sealed class StepRate
{
    private readonly Lock _lock = new();
    private long _steps;
    private TimeSpan _time;
    private int _drags;

    public void Add(uint steps, TimeSpan elapsed)
    {
        lock (_lock)
        {
            _steps += steps;
            _time += elapsed;
            _drags++;
        }
    }

    public double StepsPerSecond
    {
        get
        {
            lock (_lock)
                return _time > TimeSpan.Zero ? _steps / _time.TotalSeconds : 0;
        }
    }

    public Dictionary<string, object> Summary()
    {
        lock (_lock)
        {
            return new Dictionary<string, object>
            {
                ["drags"] = _drags,
                ["steps"] = _steps,
                ["drag_seconds"] = Math.Round(_time.TotalSeconds, 2),
                ["steps_per_second"] = Math.Round(StepsPerSecond, 3),
            };
        }
    }
}
