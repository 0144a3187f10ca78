using DragGan.Inference.Drags;

namespace DragGan.Inference.Tests.Drags;

/// <summary>
/// The adaptive batch size, driven by cost models instead of a clock: each step's duration is what
/// the model says a batch of that size costs, so every choice is deterministic.
/// </summary>
public sealed class BatchSizeTunerTests
{
    private static readonly TimeSpan NoBound = TimeSpan.FromHours(1);

    /// <summary>Runs <paramref name="steps"/> ticks with <paramref name="ready"/> edits ready; returns each tick's size.</summary>
    private static List<int> Simulate(BatchSizeTuner tuner, Func<int, double> secondsFor, int ready, int steps)
    {
        var sizes = new List<int>();
        for (var i = 0; i < steps; i++)
        {
            var size = tuner.Choose(ready);
            Assert.InRange(size, 1, Math.Min(ready, tuner.MaxBatchSize));
            tuner.Record(size, TimeSpan.FromSeconds(secondsFor(size)));
            sizes.Add(size);
        }
        return sizes;
    }

    [Fact]
    public void WhereBatchingIsCheapItClimbsToTheBound()
    {
        // A GPU: a fixed launch cost dominates, so each extra edit adds little.
        var tuner = new BatchSizeTuner(maxBatchSize: 8, NoBound);
        var sizes = Simulate(tuner, size => 0.05 + 0.005 * size, ready: 16, steps: 40);
        Assert.Equal(1, sizes[0]);
        Assert.All(sizes.TakeLast(10), size => Assert.Equal(8, size));
        Assert.Equal(8, tuner.Chosen);
        Assert.Equal(8, tuner.Preferred);
        // Fewer ready edits cap this tick's size (3 is measured first), not what was learnt.
        Assert.Equal(3, tuner.Choose(3));
        Assert.Equal(8, tuner.Preferred);
    }

    [Fact]
    public void WhereBatchingCostsMoreThanSteppingAloneItStaysAtOne()
    {
        // The CPU before the engine's fix: a batch of n cost n^1.6 single steps.
        var tuner = new BatchSizeTuner(maxBatchSize: 16, NoBound);
        var sizes = Simulate(tuner, size => 0.1 * Math.Pow(size, 1.6), ready: 16, steps: 30);
        Assert.Contains(2, sizes); // measured once, found worse
        Assert.DoesNotContain(4, sizes);
        Assert.All(sizes.TakeLast(10), size => Assert.Equal(1, size));
    }

    [Fact]
    public void TheBestThroughputWinsEvenWhenItIsInTheMiddle()
    {
        // Cheaper per edit up to 4, then memory-bound: 4 is the best size.
        var tuner = new BatchSizeTuner(maxBatchSize: 16, NoBound);
        var costs = new Dictionary<int, double> { [1] = 1.0, [2] = 1.2, [4] = 1.6, [8] = 4.0, [16] = 9.0 };
        var sizes = Simulate(tuner, size => costs[size], ready: 16, steps: 40);
        Assert.DoesNotContain(16, sizes); // 8 was already worse than 4
        Assert.All(sizes.TakeLast(10), size => Assert.Equal(4, size));
        Assert.Equal(1.6, tuner.StepTime(4)!.Value.TotalSeconds, 6);
    }

    [Fact]
    public void AStepLongerThanTheFrameGapBoundIsNotChosen()
    {
        // Throughput still grows at 8, but a step of 8 takes 0.6 s against a 0.5 s bound.
        var tuner = new BatchSizeTuner(maxBatchSize: 8, TimeSpan.FromSeconds(0.5));
        var sizes = Simulate(tuner, size => 0.2 + 0.05 * size, ready: 8, steps: 40);
        Assert.All(sizes.TakeLast(10), size => Assert.Equal(4, size));
    }

    [Fact]
    public void OneEditIsAlwaysAllowedAndNothingLargerWhenOneIsTooSlow()
    {
        var tuner = new BatchSizeTuner(maxBatchSize: 8, TimeSpan.FromSeconds(0.5));
        var sizes = Simulate(tuner, size => 2.0 * size, ready: 8, steps: 20);
        Assert.All(sizes, size => Assert.Equal(1, size));
    }

    [Fact]
    public void NeverMoreThanAreReadyAndTheBoundItselfIsASize()
    {
        var tuner = new BatchSizeTuner(maxBatchSize: 6, NoBound);
        var fewReady = Simulate(tuner, size => 0.05 + 0.001 * size, ready: 3, steps: 20);
        Assert.All(fewReady.TakeLast(5), size => Assert.Equal(3, size));
        var manyReady = Simulate(tuner, size => 0.05 + 0.001 * size, ready: 20, steps: 30);
        Assert.All(manyReady.TakeLast(5), size => Assert.Equal(6, size));
        Assert.Equal(0, tuner.Choose(0));
    }

    [Fact]
    public void WhenCostsShiftItMovesToTheNewBest()
    {
        var tuner = new BatchSizeTuner(maxBatchSize: 8, NoBound, reexploreEverySteps: 20);
        var cheap = Simulate(tuner, size => 0.05 + 0.005 * size, ready: 8, steps: 60);
        Assert.Equal(8, cheap[^1]);
        // The device becomes memory-bound (another tenant's model, say): larger batches now cost more than their edits.
        var sizes = Simulate(tuner, size => 0.1 * Math.Pow(size, 1.5), ready: 8, steps: 400);
        Assert.All(sizes.TakeLast(10), size => Assert.True(size <= 2, $"still at {size}"));
    }

    [Fact]
    public void TheFirstStepAtANewSizeIsWarmUpAndNotCounted()
    {
        var tuner = new BatchSizeTuner(maxBatchSize: 2, NoBound);
        tuner.Record(1, TimeSpan.FromSeconds(10)); // allocations, kernel choice
        Assert.Null(tuner.StepTime(1));
        tuner.Record(1, TimeSpan.FromSeconds(1));
        tuner.Record(1, TimeSpan.FromSeconds(1));
        Assert.Null(tuner.StepTime(1));
        tuner.Record(1, TimeSpan.FromSeconds(1));
        Assert.Equal(1.0, tuner.StepTime(1)!.Value.TotalSeconds, 6);
    }
}
