using System.Numerics;
using SkiaSharp;

namespace DragGan.Faces.Rendering;

/// <summary>
/// Where each feature of a face lies, in face units (see <see cref="FaceParameters"/>). The
/// renderer draws from these numbers and reports landmarks from them, so the two cannot disagree.
/// </summary>
internal sealed class FaceGeometry(FaceParameters parameters)
{
    private readonly FaceParameters p = parameters;

    /// <summary>Arch of a brow above the line joining its ends.</summary>
    public const float BrowArch = 0.035f;

    public FaceParameters Parameters => p;

    public float HeadHalfHeight => p.HeadAspect;

    public Vector2 Chin => new(0, p.HeadAspect);

    /// <summary>Centre of the eye on the image's left (side -1) or right (side +1).</summary>
    public Vector2 EyeCentre(int side) => new(side * p.EyeSpacing, p.EyeY);

    public Vector2 EyeRadii => new(p.EyeSize, p.EyeSize * p.EyeOpenness);

    public float IrisRadius => p.EyeSize * 0.45f;

    public float PupilRadius => IrisRadius * 0.5f;

    /// <summary>The pupil's centre: the eye's centre moved by the gaze, kept well inside the eye's outline.</summary>
    public Vector2 Pupil(int side) =>
        EyeCentre(side) + new Vector2(p.GazeX * (p.EyeSize - IrisRadius) * 0.8f, p.GazeY * EyeRadii.Y * 0.35f);

    public Vector2 BrowOuter(int side) => new(side * (p.EyeSpacing + p.EyeSize * 1.05f), BrowY - p.BrowSlant / 2);

    public Vector2 BrowInner(int side) => new(side * (p.EyeSpacing - p.EyeSize * 0.85f), BrowY + p.BrowSlant / 2);

    public float BrowY => p.EyeY - p.BrowRaise;

    /// <summary>Middle of the nostril line: the nose tip.</summary>
    public Vector2 NoseTip => new(0, p.NoseTipY);

    /// <summary>Ends of the nostril line, a little above the tip.</summary>
    public Vector2 Nostril(int side) => new(side * p.NoseWidth, p.NoseTipY - 0.04f);

    public Vector2 MouthCorner(int side) => new(side * p.MouthWidth, p.MouthY);

    /// <summary>y of the line between the lips at the middle of the mouth.</summary>
    public float MouthMiddleY => p.MouthY + p.MouthCurvature;

    public Vector2 UpperLip => new(0, MouthMiddleY - p.MouthOpening / 2 - p.LipThickness / 2);

    public Vector2 LowerLip => new(0, MouthMiddleY + p.MouthOpening / 2 + p.LipThickness / 2);

    /// <summary>The landmarks in face units, in <see cref="FaceLandmark"/> order.</summary>
    public Vector2[] Landmarks() =>
    [
        Pupil(-1), Pupil(1),
        BrowOuter(-1), BrowInner(-1), BrowInner(1), BrowOuter(1),
        NoseTip,
        MouthCorner(-1), MouthCorner(1),
        UpperLip, LowerLip,
        Chin,
    ];

    /// <summary>
    /// The head's outline: the upper half of an ellipse, and a lower half whose sides come in
    /// toward a rounded chin as the jaw narrows. Its lowest point is <see cref="Chin"/>.
    /// </summary>
    public SKPath HeadOutline()
    {
        var h = p.HeadAspect;
        const float k = 0.5523f; // cubic approximation of a quarter ellipse
        using var path = new SKPathBuilder();
        path.MoveTo(-1, 0);
        path.CubicTo(-1, -k * h, -k, -h, 0, -h);
        path.CubicTo(k, -h, 1, -k * h, 1, 0);
        path.CubicTo(1, 0.45f * h, 0.55f * p.JawWidth, h, 0, h);
        path.CubicTo(-0.55f * p.JawWidth, h, -1, 0.45f * h, -1, 0);
        path.Close();
        return path.Detach();
    }

    /// <summary>A quadratic curve from <paramref name="from"/> to <paramref name="to"/> whose middle passes through <paramref name="middle"/>.</summary>
    public static void QuadThrough(SKPathBuilder path, Vector2 from, Vector2 middle, Vector2 to)
    {
        // A quadratic Bezier's point at t = 1/2 is (P0 + 2C + P2) / 4.
        var control = 2 * middle - (from + to) / 2;
        path.QuadTo(control.X, control.Y, to.X, to.Y);
    }
}
