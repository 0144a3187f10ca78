namespace DragGan.Testing;

/// <summary>"Photos" for tests of inversion and tuning, and how far apart two images are.</summary>
public static class TestPhotos
{
    /// <summary>
    /// A copy of a square raw RGB image with a bright square over its middle quarter: an image a
    /// generator drew, made into one it cannot draw exactly.
    /// </summary>
    public static byte[] WithBrightSquare(ReadOnlySpan<byte> rgb, int side)
    {
        var pixels = rgb.ToArray();
        for (var y = side * 3 / 8; y < side * 5 / 8; y++)
            pixels.AsSpan((y * side + side * 3 / 8) * 3, side / 4 * 3).Fill(230);
        return pixels;
    }

    /// <summary>Mean absolute difference of two images of the same size, in 8-bit levels.</summary>
    public static double MeanAbsoluteDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"The images differ in size: {a.Length} and {b.Length} bytes.", nameof(b));
        var sum = 0L;
        for (var i = 0; i < a.Length; i++)
            sum += Math.Abs(a[i] - b[i]);
        return (double)sum / a.Length;
    }
}
