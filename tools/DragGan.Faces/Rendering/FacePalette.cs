using SkiaSharp;

namespace DragGan.Faces.Rendering;

/// <summary>The colours of a face, each a continuous function of its parameters.</summary>
internal sealed record FacePalette(
    SKColor Skin, SKColor Neck, SKColor Nostril, SKColor Hair, SKColor Brow, SKColor Lip, SKColor MouthInside,
    SKColor EyeWhite, SKColor EyeLine, SKColor Iris, SKColor Pupil, SKColor BackgroundTop, SKColor BackgroundBottom, SKColor Clothes)
{
    private static readonly SKColor[] SkinTones = [new(247, 222, 204), new(228, 184, 152), new(176, 122, 88), new(104, 68, 48)];
    private static readonly SKColor[] HairTones = [new(28, 24, 24), new(92, 58, 34), new(150, 70, 38), new(222, 190, 118), new(176, 176, 176)];
    private static readonly SKColor[] LipTones = [new(222, 136, 140), new(168, 36, 58)];

    public static readonly SKColor PupilColor = new(16, 14, 18);

    public static FacePalette For(FaceParameters p)
    {
        var skin = Along(SkinTones, p.SkinTone);
        return new FacePalette(
            Skin: skin,
            Neck: Scale(skin, 0.62f),
            Nostril: Scale(skin, 0.55f),
            Hair: Along(HairTones, p.HairTone),
            Brow: Scale(Along(HairTones, p.HairTone), 0.7f),
            Lip: Along(LipTones, p.LipTone),
            MouthInside: new SKColor(70, 14, 22),
            EyeWhite: new SKColor(244, 244, 240),
            EyeLine: new SKColor(40, 30, 30),
            Iris: SKColor.FromHsv(p.IrisHue, 60, 50),
            Pupil: PupilColor,
            BackgroundTop: SKColor.FromHsv(p.BackgroundHue, 35, p.BackgroundLightness * 100),
            BackgroundBottom: SKColor.FromHsv(p.BackgroundHue, 45, p.BackgroundLightness * 80),
            Clothes: SKColor.FromHsv((p.BackgroundHue + 150) % 360, 45, 45));
    }

    /// <summary>Linear interpolation through <paramref name="stops"/>, evenly spaced over [0, 1].</summary>
    internal static SKColor Along(SKColor[] stops, float t)
    {
        var x = Math.Clamp(t, 0f, 1f) * (stops.Length - 1);
        var i = Math.Min((int)x, stops.Length - 2);
        var f = x - i;
        var (a, b) = (stops[i], stops[i + 1]);
        return new SKColor(Mix(a.Red, b.Red, f), Mix(a.Green, b.Green, f), Mix(a.Blue, b.Blue, f));
    }

    private static byte Mix(byte a, byte b, float f) => (byte)MathF.Round(a + (b - a) * f);

    private static SKColor Scale(SKColor c, float k) =>
        new((byte)MathF.Round(c.Red * k), (byte)MathF.Round(c.Green * k), (byte)MathF.Round(c.Blue * k));
}
