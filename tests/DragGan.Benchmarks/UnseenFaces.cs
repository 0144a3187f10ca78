using System.Numerics;
using DragGan.Engine.Imaging;
using DragGan.Faces.Rendering;

namespace DragGan.Benchmarks;

/// <summary>
/// Faces the renderer draws with a detail faces-128 never saw in training, with their true
/// landmarks: glasses, a striped background, photo noise or heavy JPEG, one each in turn.
/// </summary>
internal static class UnseenFaces
{
    public static readonly string[] Alterations = ["glasses", "stripes", "noise", "jpeg"];

    public static (FaceRender Face, string Alteration) Make(int index, System.Random random, int resolution)
    {
        var parameters = FaceParameters.FromUnit(Enumerable.Range(0, FaceParameters.Count).Select(_ => random.NextSingle()).ToArray());
        var render = FaceRenderer.Render(parameters, resolution);
        var alteration = Alterations[index % Alterations.Length];
        var pixels = render.Image.Pixels.ToArray();
        var image = new RgbImage(resolution, resolution, pixels);
        switch (alteration)
        {
            case "glasses":
                DrawGlasses(image, render, random);
                break;
            case "stripes":
                DrawStripes(image, render);
                break;
            case "noise":
                for (var i = 0; i < pixels.Length; i++)
                    pixels[i] = (byte)Math.Clamp(pixels[i] + 14 * Gaussian(random), 0, 255);
                break;
            case "jpeg":
                image = ImageCodec.Decode(ImageCodec.Encode(image, ImageFormat.Jpeg, jpegQuality: 15));
                break;
        }
        return (render with { Image = image }, alteration);
    }

    /// <summary>Dark rims around both eyes and a bridge between them.</summary>
    private static void DrawGlasses(RgbImage image, FaceRender face, System.Random random)
    {
        var left = face[FaceLandmark.LeftEye];
        var right = face[FaceLandmark.RightEye];
        var radius = 0.42f * Vector2.Distance(left, right);
        var rim = (byte)random.Next(10, 60);
        Paint(image, p => Math.Abs(Vector2.Distance(p, left) - radius) < 1.2f || Math.Abs(Vector2.Distance(p, right) - radius) < 1.2f, p => (rim, rim, rim));
        var from = left + new Vector2(radius, 0);
        var to = right - new Vector2(radius, 0);
        Paint(image, p => p.X >= from.X && p.X <= to.X && Math.Abs(p.Y - (from.Y + (to.Y - from.Y) * (p.X - from.X) / Math.Max(to.X - from.X, 1))) < 1f, p => (rim, rim, rim));
    }

    /// <summary>Diagonal stripes outside an ellipse around the landmarks (the head and some margin).</summary>
    private static void DrawStripes(RgbImage image, FaceRender face)
    {
        var xs = face.Landmarks.Select(p => p.X).ToArray();
        var ys = face.Landmarks.Select(p => p.Y).ToArray();
        var centre = new Vector2((xs.Min() + xs.Max()) / 2, (ys.Min() + ys.Max()) / 2 - 0.05f * image.Height);
        var radii = new Vector2(0.75f * (xs.Max() - xs.Min()) + 8, 0.85f * (ys.Max() - ys.Min()) + 12);
        Paint(image,
            p => Math.Pow((p.X - centre.X) / radii.X, 2) + Math.Pow((p.Y - centre.Y) / radii.Y, 2) > 1,
            p => ((int)((p.X + p.Y) / 6) % 2 == 0 ? ((byte)200, (byte)40, (byte)40) : ((byte)240, (byte)230, (byte)90)));
    }

    private static void Paint(RgbImage image, Func<Vector2, bool> where, Func<Vector2, (byte R, byte G, byte B)> colour)
    {
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var p = new Vector2(x + 0.5f, y + 0.5f);
                if (!where(p))
                    continue;
                var (r, g, b) = colour(p);
                var i = (y * image.Width + x) * 3;
                image.Pixels[i] = r;
                image.Pixels[i + 1] = g;
                image.Pixels[i + 2] = b;
            }
        }
    }

    private static double Gaussian(System.Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
