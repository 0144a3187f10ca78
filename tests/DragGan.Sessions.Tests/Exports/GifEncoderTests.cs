using System.Runtime.InteropServices;
using DragGan.Sessions.Exports;
using SkiaSharp;

namespace DragGan.Sessions.Tests.Exports;

/// <summary>The GIF writer against SkiaSharp's GIF decoder: every pixel must decode to its palette colour.</summary>
public sealed class GifEncoderTests
{
    [Theory]
    [InlineData(64, 48, false)]
    [InlineData(200, 120, true)] // noise fills the LZW table: exercises the 12-bit limit and table resets
    [InlineData(1, 1, false)]
    public void Frames_DecodeToExactlyTheirPaletteColours(int width, int height, bool noise)
    {
        var random = new Random(7);
        var frames = Enumerable.Range(0, 3).Select(f =>
        {
            var rgb = new byte[width * height * 3];
            for (var i = 0; i < rgb.Length; i++)
                rgb[i] = noise ? (byte)random.Next(256) : (byte)((i / 3 % width) * 255 / Math.Max(1, width - 1) + f * 30);
            return rgb;
        }).ToList();

        var gif = GifEncoder.Encode(frames, [5, 5, 100], width, height);

        using var codec = SKCodec.Create(new MemoryStream(gif));
        Assert.Equal(3, codec.FrameCount);
        Assert.Equal([50, 50, 1000], codec.FrameInfo.Select(f => f.Duration));
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        for (var f = 0; f < frames.Count; f++)
        {
            var rgba = new byte[width * height * 4];
            var pinned = GCHandle.Alloc(rgba, GCHandleType.Pinned);
            try
            {
                Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, pinned.AddrOfPinnedObject(), new SKCodecOptions(f)));
            }
            finally
            {
                pinned.Free();
            }
            var expected = GifPalette.Map(frames[f], width, height);
            for (var p = 0; p < width * height; p++)
            {
                var colour = GifPalette.ColorTable.AsSpan(expected[p] * 3, 3).ToArray();
                Assert.Equal(colour, rgba.AsSpan(p * 4, 3).ToArray());
            }
        }
    }

    [Fact]
    public void Palette_KeepsColoursClose()
    {
        var rgb = new byte[16 * 16 * 3];
        new Random(3).NextBytes(rgb);

        var indices = GifPalette.Map(rgb, 16, 16);

        for (var p = 0; p < 256; p++)
        for (var c = 0; c < 3; c++)
            Assert.InRange(Math.Abs(GifPalette.ColorTable[indices[p] * 3 + c] - rgb[p * 3 + c]), 0, 51);
    }
}
