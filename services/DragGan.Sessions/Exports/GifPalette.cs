namespace DragGan.Sessions.Exports;

/// <summary>
/// A fixed 6 x 7 x 6 RGB cube (252 colours; green gets the extra level, the eye is most
/// sensitive to it) with 4 x 4 ordered (Bayer) dithering. A fixed palette needs no pass over the
/// frames, keeps every frame's colours stable (no flicker between frames), and dithering hides
/// the banding a 252-colour cube would otherwise show on a generator's smooth gradients.
/// </summary>
internal static class GifPalette
{
    private const int RedLevels = 6;
    private const int GreenLevels = 7;
    private const int BlueLevels = 6;

    private static readonly int[] Bayer4 = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5];

    /// <summary>The 256-entry colour table (RGB triplets); entries past the cube are black.</summary>
    public static byte[] ColorTable { get; } = BuildColorTable();

    /// <summary>Palette indices of an RGB image, dithered.</summary>
    public static byte[] Map(byte[] rgb, int width, int height)
    {
        var indices = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                // Threshold in (-0.5, 0.5): where between two levels a value rounds up.
                var threshold = (Bayer4[(y & 3) * 4 + (x & 3)] + 0.5f) / 16f - 0.5f;
                var p = (y * width + x) * 3;
                var r = Quantize(rgb[p], RedLevels, threshold);
                var g = Quantize(rgb[p + 1], GreenLevels, threshold);
                var b = Quantize(rgb[p + 2], BlueLevels, threshold);
                indices[y * width + x] = (byte)((r * GreenLevels + g) * BlueLevels + b);
            }
        }
        return indices;
    }

    private static int Quantize(byte value, int levels, float threshold) =>
        Math.Clamp((int)MathF.Round(value / 255f * (levels - 1) + threshold), 0, levels - 1);

    private static byte[] BuildColorTable()
    {
        var table = new byte[256 * 3];
        for (var r = 0; r < RedLevels; r++)
        for (var g = 0; g < GreenLevels; g++)
        for (var b = 0; b < BlueLevels; b++)
        {
            var i = ((r * GreenLevels + g) * BlueLevels + b) * 3;
            table[i] = (byte)(r * 255 / (RedLevels - 1));
            table[i + 1] = (byte)(g * 255 / (GreenLevels - 1));
            table[i + 2] = (byte)(b * 255 / (BlueLevels - 1));
        }
        return table;
    }
}
