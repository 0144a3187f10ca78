using System.Numerics;
using DragGan.Engine.Imaging;
using DragGan.Faces.Evaluation;

namespace DragGan.Faces.Tests.Evaluation;

public sealed class DragQualityMetricsTests
{
    [Fact]
    public void Mean_distance_averages_the_euclidean_distances_of_the_pairs()
    {
        Vector2[] points = [new(0, 0), new(10, 10), new(5, 5)];
        Vector2[] targets = [new(3, 4), new(10, 10), new(5, 17)];

        // 5 (a 3-4-5 triangle), 0, 12.
        Assert.Equal(17.0 / 3, DragQualityMetrics.MeanDistance(points, targets), 1e-9);
        Assert.Equal(0, DragQualityMetrics.MeanDistance(targets, targets));
    }

    [Fact]
    public void Mean_distance_refuses_unpaired_or_empty_point_lists()
    {
        Assert.Contains("2 targets", Assert.Throws<ArgumentException>(() => DragQualityMetrics.MeanDistance([new(0, 0)], [new(1, 1), new(2, 2)])).Message);
        Assert.Throws<ArgumentException>(() => DragQualityMetrics.MeanDistance([], []));
    }

    [Fact]
    public void Mse_outside_the_points_ignores_changes_near_the_drag_and_counts_the_rest()
    {
        var initial = new RgbImage(20, 20, new byte[20 * 20 * 3]);
        var nearDrag = new RgbImage(20, 20, new byte[20 * 20 * 3]);
        var far = new RgbImage(20, 20, new byte[20 * 20 * 3]);
        // A white pixel on the segment from (2.5, 2.5) to (8.5, 2.5) and one at (17, 17), far from it.
        nearDrag.Pixels.AsSpan((2 * 20 + 5) * 3, 3).Fill(255);
        far.Pixels.AsSpan((17 * 20 + 17) * 3, 3).Fill(255);
        (Vector2, Vector2)[] pairs = [(new(2.5f, 2.5f), new(8.5f, 2.5f))];

        Assert.Equal(0, DragQualityMetrics.MseOutsidePoints(initial, nearDrag, pairs, radius: 2));
        // One white pixel (three channels of error 1) over every pixel farther than 2 px from the segment.
        var counted = Enumerable.Range(0, 400).Count(i => DragQualityMetrics.DistanceToSegment(new(i % 20 + 0.5f, i / 20 + 0.5f), new(2.5f, 2.5f), new(8.5f, 2.5f)) > 2);
        Assert.Equal(1.0 / counted, DragQualityMetrics.MseOutsidePoints(initial, far, pairs, radius: 2), 1e-12);
    }
}
