namespace DragGan.Faces.Rendering;

/// <summary>
/// Every attribute of a procedural face. Geometry is in face units: the head's half width is 1,
/// x to the image's right, y down, origin at the head's centre; the whole face is then scaled,
/// rotated and placed in the image. Colours are chosen by continuous tones and hues, so that
/// neighbouring parameters give neighbouring images.
/// </summary>
public sealed record FaceParameters
{
    /// <summary>Number of values <see cref="FromUnit"/> reads.</summary>
    public const int Count = 32;

    /// <summary>Head half width as a fraction of the image side.</summary>
    public float HeadSize { get; init; } = 0.24f;

    /// <summary>Head half height over half width.</summary>
    public float HeadAspect { get; init; } = 1.3f;

    /// <summary>Width of the jaw at the mouth's height, relative to the cheeks (1 = a plain ellipse).</summary>
    public float JawWidth { get; init; } = 0.85f;

    /// <summary>In-plane rotation of the whole face, degrees clockwise.</summary>
    public float TiltDegrees { get; init; }

    /// <summary>Offset of the head's centre from the image centre, as fractions of the image side.</summary>
    public float OffsetX { get; init; }

    public float OffsetY { get; init; }

    /// <summary>0 = lightest skin of the palette, 1 = darkest.</summary>
    public float SkinTone { get; init; } = 0.3f;

    /// <summary>Position along the hair palette (black, brown, auburn, blond, grey).</summary>
    public float HairTone { get; init; } = 0.3f;

    /// <summary>How far the hair stands out around the head, in face units.</summary>
    public float HairVolume { get; init; } = 0.2f;

    /// <summary>y of the hairline on the forehead (face units, negative is up).</summary>
    public float Hairline { get; init; } = -0.7f;

    public float BackgroundHue { get; init; } = 200f;

    public float BackgroundLightness { get; init; } = 0.6f;

    /// <summary>Half the distance between the eye centres.</summary>
    public float EyeSpacing { get; init; } = 0.38f;

    public float EyeY { get; init; } = -0.1f;

    /// <summary>Half width of an eye.</summary>
    public float EyeSize { get; init; } = 0.16f;

    /// <summary>Half height of an eye over its half width.</summary>
    public float EyeOpenness { get; init; } = 0.55f;

    /// <summary>Where the irises look, -1 to 1 of their free travel.</summary>
    public float GazeX { get; init; }

    public float GazeY { get; init; }

    public float IrisHue { get; init; } = 30f;

    /// <summary>Gap between an eye's centre and its brow.</summary>
    public float BrowRaise { get; init; } = 0.2f;

    /// <summary>How much lower the inner end of each brow is than the outer end (a frown when positive).</summary>
    public float BrowSlant { get; init; }

    public float BrowThickness { get; init; } = 0.05f;

    /// <summary>y of the nose tip.</summary>
    public float NoseTipY { get; init; } = 0.22f;

    /// <summary>Half width of the nose at the nostrils.</summary>
    public float NoseWidth { get; init; } = 0.1f;

    /// <summary>y of the mouth corners.</summary>
    public float MouthY { get; init; } = 0.52f;

    /// <summary>Half the distance between the mouth corners.</summary>
    public float MouthWidth { get; init; } = 0.32f;

    /// <summary>Gap between the lips at the middle.</summary>
    public float MouthOpening { get; init; }

    /// <summary>How far the middle of the mouth sits below its corners (a smile when positive).</summary>
    public float MouthCurvature { get; init; } = 0.04f;

    /// <summary>Thickness of each lip at the middle.</summary>
    public float LipThickness { get; init; } = 0.045f;

    /// <summary>0 = pale pink lips, 1 = deep red.</summary>
    public float LipTone { get; init; } = 0.5f;

    /// <summary>Direction the light comes from, degrees (0 = from the image's left, 90 = from above).</summary>
    public float LightAngle { get; init; } = 120f;

    /// <summary>Darkening of the side away from the light, 0 to about 0.2.</summary>
    public float LightStrength { get; init; } = 0.1f;

    /// <summary>
    /// Faces from <see cref="Count"/> values in [0, 1] (clamped): each value sets one attribute,
    /// in declaration order, linearly across its range. Every combination gives a well-formed
    /// face: features stay inside the head and apart from each other.
    /// </summary>
    public static FaceParameters FromUnit(ReadOnlySpan<float> u)
    {
        if (u.Length != Count)
            throw new ArgumentException($"Face parameters need {Count} values in [0, 1], got {u.Length}.", nameof(u));
        var values = u.ToArray();
        var i = 0;
        float Next(float min, float max) => min + (max - min) * Math.Clamp(values[i++], 0f, 1f);
        return new FaceParameters
        {
            HeadSize = Next(0.2f, 0.26f),
            HeadAspect = Next(1.15f, 1.4f),
            JawWidth = Next(0.7f, 0.95f),
            TiltDegrees = Next(-15f, 15f),
            OffsetX = Next(-0.05f, 0.05f),
            OffsetY = Next(-0.03f, 0.04f),
            SkinTone = Next(0f, 1f),
            HairTone = Next(0f, 1f),
            HairVolume = Next(0.08f, 0.35f),
            Hairline = Next(-0.85f, -0.6f),
            BackgroundHue = Next(0f, 360f),
            BackgroundLightness = Next(0.35f, 0.85f),
            EyeSpacing = Next(0.32f, 0.44f),
            EyeY = Next(-0.18f, -0.02f),
            EyeSize = Next(0.12f, 0.18f),
            EyeOpenness = Next(0.35f, 0.7f),
            GazeX = Next(-1f, 1f),
            GazeY = Next(-1f, 1f),
            IrisHue = Next(0f, 240f),
            BrowRaise = Next(0.16f, 0.28f),
            BrowSlant = Next(-0.06f, 0.06f),
            BrowThickness = Next(0.04f, 0.07f),
            NoseTipY = Next(0.14f, 0.26f),
            NoseWidth = Next(0.07f, 0.13f),
            MouthY = Next(0.46f, 0.6f),
            MouthWidth = Next(0.24f, 0.4f),
            MouthOpening = Next(0f, 0.18f),
            MouthCurvature = Next(-0.06f, 0.08f),
            LipThickness = Next(0.035f, 0.06f),
            LipTone = Next(0f, 1f),
            LightAngle = Next(0f, 360f),
            LightStrength = Next(0f, 0.2f),
        };
    }
}
