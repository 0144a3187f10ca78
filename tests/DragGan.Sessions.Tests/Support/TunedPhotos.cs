using DragGan.Protos.V1;
using Google.Protobuf;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Support;

/// <summary>Photos for tests of tuned sessions.</summary>
public static class TunedPhotos
{
    public static readonly ImageOptions Raw = new() { Encoding = ImageEncoding.RawRgb };

    /// <summary>A "photo" the demo model cannot draw exactly: seed 42's image with a bright square on it, raw RGB.</summary>
    public static async Task<EncodedImage> PhotoAsync(DragGan.Protos.V1.Sessions.SessionsClient client)
    {
        var seeded = await client.CreateSessionAsync(FromSeed(42, Raw));
        var side = (int)seeded.Image.Width;
        var pixels = TestPhotos.WithBrightSquare(seeded.Image.Data.Span, side);
        return new EncodedImage { Encoding = ImageEncoding.RawRgb, Width = (uint)side, Height = (uint)side, Data = ByteString.CopyFrom(pixels) };
    }
}
