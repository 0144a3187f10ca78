namespace DragGan.Inference.Drags;

/// <summary>
/// Learns, for one model on this replica's device, how many edits one batched drag step should take:
/// the size with the best measured throughput (edits per second of step time) whose step still
/// takes at most <see cref="MaxStepTime"/>, so that no stream in a batch waits longer than that for
/// its next frame. Sizes are powers of two up to <see cref="MaxBatchSize"/>, that bound itself, and
/// the number of edits ready when it is smaller.
/// It climbs from 1 while the largest size measured so far is the best, and re-measures the best
/// size's neighbours every <see cref="ReexploreEverySteps"/> steps, since costs shift with load.
/// It keeps no clock: callers report each step's duration, so tests can feed it a cost model.
/// Not thread-safe: the model's drag loop owns it.
/// </summary>
internal sealed class BatchSizeTuner
{
    /// <summary>The first step at a new size pays for new buffers and kernels; it is not counted.</summary>
    private const int WarmupSteps = 1;

    /// <summary>Steps counted at a size before its time is trusted (a shared machine's times are noisy).</summary>
    private const int TrustedSteps = 3;

    /// <summary>Weight of the newest step in each size's moving average.</summary>
    private const double Smoothing = 0.3;

    private readonly int[] _sizes;
    private readonly Dictionary<int, SizeStats> _stats = [];
    private long _stepsSinceReexplore;
    private bool _reexploreUpward = true;

    public BatchSizeTuner(int maxBatchSize, TimeSpan maxStepTime, int reexploreEverySteps = 200)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxStepTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(reexploreEverySteps, 1);
        MaxBatchSize = maxBatchSize;
        MaxStepTime = maxStepTime;
        ReexploreEverySteps = reexploreEverySteps;
        _sizes = Enumerable.Range(0, 31).Select(i => 1 << i).TakeWhile(size => size < maxBatchSize).Append(maxBatchSize).ToArray();
        Chosen = 1;
    }

    public int MaxBatchSize { get; }

    public TimeSpan MaxStepTime { get; }

    public int ReexploreEverySteps { get; }

    /// <summary>The size the last <see cref="Choose"/> settled on: the best known, or one being measured.</summary>
    public int Chosen { get; private set; }

    /// <summary>The best size measured so far, whatever is ready now (the service's metric).</summary>
    public int Preferred => Best(_sizes);

    /// <summary>The batch size to take now, with <paramref name="ready"/> edits ready to step.</summary>
    public int Choose(int ready)
    {
        if (ready <= 0)
            return 0;
        // Fewer ready than the next size up: all of them together is a size worth measuring too.
        var usable = _sizes.Where(size => size < ready).Append(Math.Min(ready, MaxBatchSize)).Distinct().ToArray();

        var best = Best(usable);
        var bestIndex = Array.IndexOf(usable, best);
        // Climb while the best is the largest size measured: the next one up may serve more.
        if (bestIndex + 1 < usable.Length && !IsTrusted(usable[bestIndex + 1]) && WithinBound(best))
            return Chosen = usable[bestIndex + 1];
        // A neighbour below that was forgotten for re-measuring.
        if (bestIndex > 0 && !IsTrusted(usable[bestIndex - 1]))
            return Chosen = usable[bestIndex - 1];
        return Chosen = best;
    }

    /// <summary>Reports a step of <paramref name="batchSize"/> edits that took <paramref name="elapsed"/>.</summary>
    public void Record(int batchSize, TimeSpan elapsed)
    {
        if (!_stats.TryGetValue(batchSize, out var stats))
            _stats[batchSize] = stats = new SizeStats();
        stats.Add(elapsed.TotalSeconds);

        if (++_stepsSinceReexplore >= ReexploreEverySteps)
        {
            _stepsSinceReexplore = 0;
            Reexplore();
        }
    }

    /// <summary>The smoothed step time of a size, once trusted; null before.</summary>
    public TimeSpan? StepTime(int batchSize) =>
        _stats.TryGetValue(batchSize, out var stats) && stats.Trusted ? TimeSpan.FromSeconds(stats.Seconds) : null;

    /// <summary>The trusted size with the most edits per second within the bound; 1 until any is trusted.</summary>
    private int Best(int[] usable)
    {
        var best = 1;
        var bestThroughput = 0.0;
        foreach (var size in usable)
        {
            if (!IsTrusted(size) || (size > 1 && !WithinBound(size)))
                continue;
            var throughput = size / Math.Max(_stats[size].Seconds, 1e-9);
            if (throughput > bestThroughput)
                (best, bestThroughput) = (size, throughput);
        }
        return best;
    }

    private bool IsTrusted(int size) => _stats.TryGetValue(size, out var stats) && stats.Trusted;

    private bool WithinBound(int size) => _stats.TryGetValue(size, out var stats) && stats.Trusted && stats.Seconds <= MaxStepTime.TotalSeconds;

    /// <summary>Forgets one neighbour of the best size, alternately above and below, so it is measured again.</summary>
    private void Reexplore()
    {
        var bestIndex = Array.IndexOf(_sizes, Best(_sizes));
        var neighbour = _reexploreUpward ? bestIndex + 1 : bestIndex - 1;
        _reexploreUpward = !_reexploreUpward;
        if (neighbour >= 0 && neighbour < _sizes.Length)
            _stats.Remove(_sizes[neighbour]);
    }

    private sealed class SizeStats
    {
        private int _steps;

        public double Seconds { get; private set; }

        public bool Trusted => _steps >= WarmupSteps + TrustedSteps;

        public void Add(double seconds)
        {
            _steps++;
            if (_steps <= WarmupSteps)
                return;
            Seconds = _steps == WarmupSteps + 1 ? seconds : Smoothing * seconds + (1 - Smoothing) * Seconds;
        }
    }
}
