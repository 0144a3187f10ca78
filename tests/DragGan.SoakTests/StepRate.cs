namespace DragGan.SoakTests;

/// <summary>
/// A tenant's drag step rate: the steps its drags took over the time they took, each drag counted
/// from its start (admission, the opening and the first step included) to the frame of its last
/// step; and, for where the time went, the rate once stepping: the steps after each drag's first
/// frame over the time after it.
/// </summary>
internal sealed class StepRate
{
    private readonly Lock _lock = new();
    private long _steps;
    private TimeSpan _time;
    private long _stepsAfterFirstFrame;
    private TimeSpan _timeAfterFirstFrame;
    private TimeSpan _firstFrames;
    private int _drags;

    public void Add(DragRun.Outcome drag)
    {
        lock (_lock)
        {
            _steps += drag.Steps;
            _time += drag.ToSteps;
            _stepsAfterFirstFrame += drag.Steps - Math.Min(drag.Steps, drag.FirstStep);
            _timeAfterFirstFrame += drag.ToSteps - drag.FirstFrame;
            _firstFrames += drag.FirstFrame;
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
                ["mean_first_frame_seconds"] = _drags > 0 ? Math.Round(_firstFrames.TotalSeconds / _drags, 3) : 0,
                ["steps_per_second_after_first_frame"] = _timeAfterFirstFrame > TimeSpan.Zero
                    ? Math.Round(_stepsAfterFirstFrame / _timeAfterFirstFrame.TotalSeconds, 3) : 0,
            };
        }
    }
}
