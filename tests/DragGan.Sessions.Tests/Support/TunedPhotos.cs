using DragGan.Protos.V1;
using Google.Protobuf;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Support;

/// <summary>Photos for tests of tuned sessions, and how far apart two images are.</summary>
public static class TunedPhotos
{
    public static readonly ImageOptions Raw = new() { Encoding = ImageEncoding.RawRgb };

    /// <summary>A "photo" the demo model cannot draw exactly: seed 42's image with a bright square on it, raw RGB.</summary>
    public static async Task<EncodedImage> PhotoAsync(DragGan.Protos.V1.Sessions.SessionsClient client)
    {
        var seeded = await client.CreateSessionAsync(FromSeed(42, Raw));
        var pixels = seeded.Image.Data.ToByteArray();
        var side = (int)seeded.Image.Width;
        for (var y = side * 3 / 8; y < side * 5 / 8; y++)
            pixels.AsSpan((y * side + side * 3 / 8) * 3, side / 4 * 3).Fill(230);
        return new EncodedImage { Encoding = ImageEncoding.RawRgb, Width = (uint)side, Height = (uint)side, Data = ByteString.CopyFrom(pixels) };
    }

    /// <summary>Mean absolute difference of two images of the same size, in 8-bit levels.</summary>
    public static double MeanAbsoluteDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        Assert.Equal(a.Length, b.Length);
        var sum = 0L;
        for (var i = 0; i < a.Length; i++)
            sum += Math.Abs(a[i] - b[i]);
        return (double)sum / a.Length;
    }
}
