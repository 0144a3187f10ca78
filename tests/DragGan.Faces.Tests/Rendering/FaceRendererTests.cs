using System.Numerics;
using DragGan.Engine.Imaging;
using DragGan.Faces.Rendering;
using SkiaSharp;

namespace DragGan.Faces.Tests.Rendering;

public sealed class FaceRendererTests
{
    private const int Resolution = 512;

    /// <summary>Random faces across the whole parameter range, the same on every run.</summary>
    public static TheoryData<int> FaceSeeds() => [.. Enumerable.Range(0, 40)];

    [Theory]
    [MemberData(nameof(FaceSeeds))]
    public void Every_landmark_lies_on_the_feature_it_names(int seed)
    {
        var parameters = RandomFace(seed);
        var palette = FacePalette.For(parameters);
        var render = FaceRenderer.Render(parameters, Resolution);

        AssertColourAt(render, FaceLandmark.LeftEye, palette.Pupil);
        AssertColourAt(render, FaceLandmark.RightEye, palette.Pupil);
        foreach (var brow in (FaceLandmark[])[FaceLandmark.LeftBrowOuter, FaceLandmark.LeftBrowInner, FaceLandmark.RightBrowInner, FaceLandmark.RightBrowOuter])
            AssertColourAt(render, brow, palette.Brow);
        AssertColourAt(render, FaceLandmark.NoseTip, palette.Nostril);
        foreach (var lip in (FaceLandmark[])[FaceLandmark.LeftMouthCorner, FaceLandmark.RightMouthCorner, FaceLandmark.UpperLip, FaceLandmark.LowerLip])
            AssertColourAt(render, lip, palette.Lip);

        // The chin is the head's edge: shaded skin just above it, the darker neck just below (along the face's own vertical).
        var down = Vector2.Normalize(render[FaceLandmark.Chin] - Midpoint(render[FaceLandmark.LeftEye], render[FaceLandmark.RightEye]));
        var above = Pixel(render.Image, render[FaceLandmark.Chin] - 4 * down);
        var below = Pixel(render.Image, render[FaceLandmark.Chin] + 4 * down);
        Assert.True(Distance(above, palette.Skin) < 60, $"Above the chin: {above}, skin {palette.Skin}.");
        Assert.True(Distance(below, palette.Neck) < 12, $"Below the chin: {below}, neck {palette.Neck}.");
    }

    [Fact]
    public void Landmarks_scale_with_the_resolution()
    {
        var parameters = RandomFace(7);
        var small = FaceRenderer.Render(parameters, 256);
        var large = FaceRenderer.Render(parameters, 512);

        Assert.Equal(256, small.Image.Width);
        Assert.Equal(FaceLandmarks.Count, small.Landmarks.Count);
        for (var i = 0; i < FaceLandmarks.Count; i++)
            Assert.True(Vector2.Distance(small.Landmarks[i] * 2, large.Landmarks[i]) < 1e-3f, $"{(FaceLandmark)i}: {small.Landmarks[i]} vs {large.Landmarks[i]}");
    }

    [Fact]
    public void Tilt_turns_every_landmark_about_the_head_centre()
    {
        var upright = RandomFace(3) with { TiltDegrees = 0, OffsetX = 0, OffsetY = 0 };
        var tilted = upright with { TiltDegrees = 12 };
        var a = FaceRenderer.Render(upright, Resolution);
        var b = FaceRenderer.Render(tilted, Resolution);

        var centre = new Vector2(Resolution / 2f);
        var rotation = Matrix3x2.CreateRotation(12 * MathF.PI / 180, centre);
        for (var i = 0; i < FaceLandmarks.Count; i++)
            Assert.True(Vector2.Distance(Vector2.Transform(a.Landmarks[i], rotation), b.Landmarks[i]) < 1e-2f, $"{(FaceLandmark)i}");
        // Clockwise on screen: the chin, below the centre, swings to the image's left.
        Assert.True(b[FaceLandmark.Chin].X < a[FaceLandmark.Chin].X);
    }

    [Fact]
    public void Opening_the_mouth_moves_the_lips_apart_and_shows_the_inside()
    {
        var closed = RandomFace(11) with { MouthOpening = 0 };
        var open = closed with { MouthOpening = 0.18f };
        var a = FaceRenderer.Render(closed, Resolution);
        var b = FaceRenderer.Render(open, Resolution);

        var gapClosed = Vector2.Distance(a[FaceLandmark.UpperLip], a[FaceLandmark.LowerLip]);
        var gapOpen = Vector2.Distance(b[FaceLandmark.UpperLip], b[FaceLandmark.LowerLip]);
        Assert.Equal(gapClosed + 0.18f * closed.HeadSize * Resolution, gapOpen, 0.01f);
        var mouthCentre = Midpoint(b[FaceLandmark.UpperLip], b[FaceLandmark.LowerLip]);
        Assert.True(Distance(Pixel(b.Image, mouthCentre), FacePalette.For(open).MouthInside) < 12);
        Assert.Equal(a[FaceLandmark.LeftMouthCorner], b[FaceLandmark.LeftMouthCorner]);
    }

    [Fact]
    public void The_same_parameters_give_the_same_pixels()
    {
        var parameters = RandomFace(5);
        Assert.Equal(FaceRenderer.Render(parameters, 128).Image.Pixels, FaceRenderer.Render(parameters, 128).Image.Pixels);
        Assert.NotEqual(FaceRenderer.Render(parameters, 128).Image.Pixels, FaceRenderer.Render(RandomFace(6), 128).Image.Pixels);
    }

    [Fact]
    public void Parameters_need_one_unit_value_per_attribute()
    {
        var error = Assert.Throws<ArgumentException>(() => FaceParameters.FromUnit(new float[FaceParameters.Count - 1]));
        Assert.Contains($"{FaceParameters.Count} values", error.Message);
    }

    internal static FaceParameters RandomFace(int seed)
    {
        var random = new Random(seed);
        var u = new float[FaceParameters.Count];
        for (var i = 0; i < u.Length; i++)
            u[i] = random.NextSingle();
        return FaceParameters.FromUnit(u);
    }

    private static void AssertColourAt(FaceRender render, FaceLandmark landmark, SKColor expected)
    {
        var actual = Pixel(render.Image, render[landmark]);
        Assert.True(Distance(actual, expected) < 12, $"{landmark} at {render[landmark]}: pixel {actual}, expected {expected}.");
    }

    private static Vector2 Midpoint(Vector2 a, Vector2 b) => (a + b) / 2;

    /// <summary>The pixel whose square contains the point.</summary>
    private static SKColor Pixel(RgbImage image, Vector2 point)
    {
        var x = Math.Clamp((int)MathF.Floor(point.X), 0, image.Width - 1);
        var y = Math.Clamp((int)MathF.Floor(point.Y), 0, image.Height - 1);
        var i = (y * image.Width + x) * 3;
        return new SKColor(image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }

    private static float Distance(SKColor a, SKColor b) =>
        MathF.Sqrt(MathF.Pow(a.Red - b.Red, 2) + MathF.Pow(a.Green - b.Green, 2) + MathF.Pow(a.Blue - b.Blue, 2));
}
