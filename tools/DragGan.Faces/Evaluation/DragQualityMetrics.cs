using System.Numerics;
using DragGan.Engine.Imaging;

namespace DragGan.Faces.Evaluation;

/// <summary>The figures of the face-landmark drag experiment (after DragGAN's Table 1).</summary>
public static class DragQualityMetrics
{
    /// <summary>Mean distance (MD): the mean Euclidean distance, in pixels, between corresponding points.</summary>
    public static double MeanDistance(IReadOnlyList<Vector2> points, IReadOnlyList<Vector2> targets)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(targets);
        if (points.Count != targets.Count)
            throw new ArgumentException($"Points and targets must pair up: {points.Count} points, {targets.Count} targets.", nameof(targets));
        if (points.Count == 0)
            throw new ArgumentException("At least one point is needed.", nameof(points));
        return points.Zip(targets, (p, t) => (double)Vector2.Distance(p, t)).Average();
    }

    /// <summary>
    /// How much of the image a drag changed away from the points: the mean squared error (pixels
    /// scaled to [0, 1]) between the edited and initial images over the pixels farther than
    /// <paramref name="radius"/> from every handle and target and from the segments joining them.
    /// </summary>
    public static double MseOutsidePoints(RgbImage initial, RgbImage edited, IReadOnlyList<(Vector2 Handle, Vector2 Target)> pairs, float radius)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(edited);
        if (initial.Width != edited.Width || initial.Height != edited.Height)
            throw new ArgumentException($"Images differ in size: {initial.Width}x{initial.Height} and {edited.Width}x{edited.Height}.", nameof(edited));
        double sum = 0;
        long count = 0;
        for (var y = 0; y < initial.Height; y++)
        {
            for (var x = 0; x < initial.Width; x++)
            {
                var centre = new Vector2(x + 0.5f, y + 0.5f);
                if (pairs.Any(pair => DistanceToSegment(centre, pair.Handle, pair.Target) <= radius))
                    continue;
                var i = (y * initial.Width + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    var d = (initial.Pixels[i + c] - edited.Pixels[i + c]) / 255.0;
                    sum += d * d;
                }
                count += 3;
            }
        }
        return count == 0 ? 0 : sum / count;
    }

    internal static float DistanceToSegment(Vector2 point, Vector2 a, Vector2 b)
    {
        var ab = b - a;
        var lengthSquared = ab.LengthSquared();
        var t = lengthSquared == 0 ? 0 : Math.Clamp(Vector2.Dot(point - a, ab) / lengthSquared, 0, 1);
        return Vector2.Distance(point, a + t * ab);
    }
}
