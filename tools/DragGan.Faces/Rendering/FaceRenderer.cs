using System.Numerics;
using DragGan.Engine.Imaging;
using SkiaSharp;

namespace DragGan.Faces.Rendering;

/// <summary>
/// Draws procedural faces with SkiaSharp: background, hair, shoulders, neck, a shaded head, eyes
/// with irises that follow the gaze, brows, nose, and a mouth that opens and curves. Every
/// landmark is computed from the same geometry the drawing uses (<see cref="FaceGeometry"/>) and
/// mapped to pixels by the same transform, so it lies inside the feature it names.
/// Deterministic: the same parameters and resolution give the same pixels.
/// </summary>
public static class FaceRenderer
{
    public static FaceRender Render(FaceParameters parameters, int resolution)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(resolution, 16);

        var geometry = new FaceGeometry(parameters);
        var palette = FacePalette.For(parameters);
        var transform = FaceToImage(parameters, resolution);

        using var bitmap = new SKBitmap(new SKImageInfo(resolution, resolution, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using (var canvas = new SKCanvas(bitmap))
        {
            DrawBackground(canvas, palette, resolution);
            canvas.SetMatrix(transform);
            using var head = geometry.HeadOutline();
            DrawHairBehind(canvas, geometry, palette);
            DrawBody(canvas, geometry, palette);
            DrawHead(canvas, geometry, palette, head);
            DrawFringe(canvas, geometry, palette, head);
            DrawEyes(canvas, geometry, palette);
            DrawBrows(canvas, geometry, palette);
            DrawNose(canvas, geometry, palette);
            DrawMouth(canvas, geometry, palette);
        }

        var landmarks = geometry.Landmarks().Select(point =>
        {
            var mapped = transform.MapPoint(point.X, point.Y);
            return new Vector2(mapped.X, mapped.Y);
        }).ToArray();
        return new FaceRender(ToRgb(bitmap), landmarks);
    }

    /// <summary>Face units to pixels: scale by the head's half width, rotate by the tilt, move to the head's centre.</summary>
    private static SKMatrix FaceToImage(FaceParameters p, int resolution)
    {
        var scale = p.HeadSize * resolution;
        var centre = new SKPoint(resolution * (0.5f + p.OffsetX), resolution * (0.5f + p.OffsetY));
        return SKMatrix.CreateTranslation(centre.X, centre.Y)
            .PreConcat(SKMatrix.CreateRotationDegrees(p.TiltDegrees))
            .PreConcat(SKMatrix.CreateScale(scale, scale));
    }

    private static SKPaint Fill(SKColor color) => new() { Color = color, IsAntialias = true, Style = SKPaintStyle.Fill };

    private static SKPaint Stroke(SKColor color, float width) => new()
    {
        Color = color, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = width, StrokeCap = SKStrokeCap.Round,
    };

    private static void DrawBackground(SKCanvas canvas, FacePalette palette, int resolution)
    {
        using var shader = SKShader.CreateLinearGradient(new SKPoint(0, 0), new SKPoint(0, resolution),
            [palette.BackgroundTop, palette.BackgroundBottom], SKShaderTileMode.Clamp);
        using var paint = new SKPaint { Shader = shader };
        canvas.DrawRect(0, 0, resolution, resolution, paint);
    }

    private static void DrawBody(SKCanvas canvas, FaceGeometry g, FacePalette palette)
    {
        var h = g.HeadHalfHeight;
        using var clothes = Fill(palette.Clothes);
        canvas.DrawOval(0, h + 1.7f, 2.4f, 1.1f, clothes);
        using var neck = Fill(palette.Neck);
        canvas.DrawRect(-0.42f, 0.4f * h, 0.84f, 0.6f * h + 0.8f, neck);
    }

    private static void DrawHairBehind(SKCanvas canvas, FaceGeometry g, FacePalette palette)
    {
        var p = g.Parameters;
        using var hair = Fill(palette.Hair);
        canvas.DrawOval(0, -0.1f * g.HeadHalfHeight, 1 + p.HairVolume, 0.85f * g.HeadHalfHeight + p.HairVolume, hair);
    }

    private static void DrawHead(SKCanvas canvas, FaceGeometry g, FacePalette palette, SKPath head)
    {
        var p = g.Parameters;
        using var skin = Fill(palette.Skin);
        canvas.DrawPath(head, skin);

        // Light shading: a gradient from clear on the lit side to a little darker on the far side.
        var angle = p.LightAngle * MathF.PI / 180;
        var toLight = new SKPoint(-MathF.Cos(angle), -MathF.Sin(angle));
        var extent = g.HeadHalfHeight;
        var shadowAlpha = (byte)MathF.Round(255 * p.LightStrength);
        using var shader = SKShader.CreateLinearGradient(
            new SKPoint(toLight.X * extent, toLight.Y * extent), new SKPoint(-toLight.X * extent, -toLight.Y * extent),
            [SKColors.Black.WithAlpha(0), SKColors.Black.WithAlpha(shadowAlpha)], SKShaderTileMode.Clamp);
        using var shading = new SKPaint { Shader = shader, IsAntialias = true };
        canvas.DrawPath(head, shading);
    }

    /// <summary>Hair over the forehead down to the hairline, which dips toward the temples; inside the head only.</summary>
    private static void DrawFringe(SKCanvas canvas, FaceGeometry g, FacePalette palette, SKPath head)
    {
        var hairline = g.Parameters.Hairline;
        using var builder = new SKPathBuilder();
        builder.MoveTo(-1.3f, -3);
        builder.LineTo(-1.3f, hairline + 0.25f);
        FaceGeometry.QuadThrough(builder, new Vector2(-1.3f, hairline + 0.25f), new Vector2(0, hairline + 0.075f), new Vector2(1.3f, hairline + 0.25f));
        builder.LineTo(1.3f, -3);
        builder.Close();
        using var fringe = builder.Detach();
        using var clipped = fringe.Op(head, SKPathOp.Intersect);
        using var hair = Fill(palette.Hair);
        if (clipped is not null)
            canvas.DrawPath(clipped, hair);
    }

    private static void DrawEyes(SKCanvas canvas, FaceGeometry g, FacePalette palette)
    {
        var radii = g.EyeRadii;
        using var white = Fill(palette.EyeWhite);
        using var iris = Fill(palette.Iris);
        using var pupil = Fill(palette.Pupil);
        using var line = Stroke(palette.EyeLine, 0.018f);
        foreach (var side in (int[])[-1, 1])
        {
            var centre = g.EyeCentre(side);
            var outline = new SKRect(centre.X - radii.X, centre.Y - radii.Y, centre.X + radii.X, centre.Y + radii.Y);
            canvas.DrawOval(outline, white);
            canvas.Save();
            using (var clip = new SKPathBuilder())
            {
                clip.AddOval(outline, SKPathDirection.Clockwise);
                using var oval = clip.Detach();
                canvas.ClipPath(oval, antialias: true);
            }
            var look = g.Pupil(side);
            canvas.DrawCircle(look.X, look.Y, g.IrisRadius, iris);
            canvas.DrawCircle(look.X, look.Y, g.PupilRadius, pupil);
            canvas.Restore();
            canvas.DrawOval(outline, line);
        }
    }

    private static void DrawBrows(SKCanvas canvas, FaceGeometry g, FacePalette palette)
    {
        using var brow = Stroke(palette.Brow, g.Parameters.BrowThickness);
        foreach (var side in (int[])[-1, 1])
        {
            var (outer, inner) = (g.BrowOuter(side), g.BrowInner(side));
            using var builder = new SKPathBuilder();
            builder.MoveTo(outer.X, outer.Y);
            FaceGeometry.QuadThrough(builder, outer, (outer + inner) / 2 - new Vector2(0, FaceGeometry.BrowArch), inner);
            using var path = builder.Detach();
            canvas.DrawPath(path, brow);
        }
    }

    private static void DrawNose(SKCanvas canvas, FaceGeometry g, FacePalette palette)
    {
        var p = g.Parameters;
        using var bridge = Stroke(palette.Nostril.WithAlpha(110), 0.02f);
        canvas.DrawLine(p.NoseWidth * 0.3f, p.EyeY + 0.12f, p.NoseWidth * 0.55f, p.NoseTipY - 0.08f, bridge);
        using var nostrils = Stroke(palette.Nostril, 0.03f);
        using var builder = new SKPathBuilder();
        var (left, right) = (g.Nostril(-1), g.Nostril(1));
        builder.MoveTo(left.X, left.Y);
        FaceGeometry.QuadThrough(builder, left, g.NoseTip, right);
        using var path = builder.Detach();
        canvas.DrawPath(path, nostrils);
    }

    private static void DrawMouth(SKCanvas canvas, FaceGeometry g, FacePalette palette)
    {
        var p = g.Parameters;
        var (left, right) = (g.MouthCorner(-1), g.MouthCorner(1));
        var middle = g.MouthMiddleY;

        // The line between the lips, round-capped so that each corner is a solid patch of lip colour.
        using var lipLine = Stroke(palette.Lip, p.LipThickness * 0.8f);
        using (var line = new SKPathBuilder())
        {
            line.MoveTo(left.X, left.Y);
            FaceGeometry.QuadThrough(line, left, new Vector2(0, middle), right);
            using var linePath = line.Detach();
            canvas.DrawPath(linePath, lipLine);
        }

        using var lips = Fill(palette.Lip);
        using (var outer = new SKPathBuilder())
        {
            outer.MoveTo(left.X, left.Y);
            FaceGeometry.QuadThrough(outer, left, new Vector2(0, middle - p.MouthOpening / 2 - p.LipThickness), right);
            FaceGeometry.QuadThrough(outer, right, new Vector2(0, middle + p.MouthOpening / 2 + p.LipThickness), left);
            outer.Close();
            using var outerPath = outer.Detach();
            canvas.DrawPath(outerPath, lips);
        }

        if (p.MouthOpening <= 0)
            return;
        using var inside = Fill(palette.MouthInside);
        using var opening = new SKPathBuilder();
        opening.MoveTo(left.X, left.Y);
        FaceGeometry.QuadThrough(opening, left, new Vector2(0, middle - p.MouthOpening / 2), right);
        FaceGeometry.QuadThrough(opening, right, new Vector2(0, middle + p.MouthOpening / 2), left);
        opening.Close();
        using var path = opening.Detach();
        canvas.DrawPath(path, inside);

        // The opening narrows to a point at each corner; the corners themselves stay lip.
        canvas.DrawCircle(left.X, left.Y, p.LipThickness * 0.4f, lips);
        canvas.DrawCircle(right.X, right.Y, p.LipThickness * 0.4f, lips);
    }

    private static RgbImage ToRgb(SKBitmap bitmap)
    {
        var rgba = bitmap.GetPixelSpan();
        var count = bitmap.Width * bitmap.Height;
        var rgb = new byte[count * 3];
        for (var i = 0; i < count; i++)
        {
            rgb[i * 3] = rgba[i * 4];
            rgb[i * 3 + 1] = rgba[i * 4 + 1];
            rgb[i * 3 + 2] = rgba[i * 4 + 2];
        }
        return new RgbImage(bitmap.Width, bitmap.Height, rgb);
    }
}
