using System.Numerics;
using DragGan.Engine.Drags;
using DragGan.Faces.Evaluation;

namespace DragGan.Benchmarks;

/// <summary>
/// How far the tracked handles stand from the landmarks they were placed on, as the detector finds
/// them in the same image: per step over many edits, and on each edit's final image. A handle that
/// leads its landmark means the tracker moved ahead of the content; near zero means the content
/// follows the handle and what remains of MD is the drag's stopping short.
/// </summary>
internal sealed class HandleLag(int maxSteps)
{
    public static HandleLag None { get; } = new(0);

    private readonly double[] sums = new double[maxSteps + 1];
    private readonly int[] counts = new int[maxSteps + 1];
    private double endSum;
    private int endCount;

    public double? EndMean => endCount == 0 ? null : endSum / endCount;

    /// <summary>Step <paramref name="step"/> (1 for an edit's first) tracked <paramref name="handles"/> on the image where the detector found <paramref name="landmarks"/>.</summary>
    public void AddStep(int step, IReadOnlyList<PixelPoint> handles, IReadOnlyList<Vector2> landmarks)
    {
        if (step < 1 || step >= sums.Length)
            return;
        sums[step] += Distance(handles, landmarks);
        counts[step]++;
    }

    public void AddEnd(IReadOnlyList<PixelPoint> handles, IReadOnlyList<Vector2> landmarks)
    {
        endSum += Distance(handles, landmarks);
        endCount++;
    }

    /// <summary>The mean distance at steps 1, 2, ... while at least one edit ran that step.</summary>
    public IEnumerable<double> MeanByStep() =>
        Enumerable.Range(1, sums.Length - 1).TakeWhile(i => counts[i] > 0).Select(i => sums[i] / counts[i]);

    private static double Distance(IReadOnlyList<PixelPoint> handles, IReadOnlyList<Vector2> landmarks) =>
        DragQualityMetrics.MeanDistance(handles.Select(FaceDragBenchmark.ToLandmark).ToArray(), landmarks);
}
