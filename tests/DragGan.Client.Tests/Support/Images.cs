using SkiaSharp;

namespace DragGan.Client.Tests.Support;

/// <summary>Decodes the images and animations the service and the CLI write.</summary>
public static class Images
{
    /// <summary>An image's size and RGB bytes (row-major, 3 per pixel).</summary>
    public static (int Width, int Height, byte[] Rgb) DecodeRgb(byte[] encoded)
    {
        using var codec = SKCodec.Create(new MemoryStream(encoded)) ?? throw new InvalidDataException("Not an image.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        Assert.Equal(SKCodecResult.Success, codec.GetPixels(info, bitmap.GetPixels()));
        var rgba = bitmap.GetPixelSpan();
        var rgb = new byte[info.Width * info.Height * 3];
        for (var i = 0; i < info.Width * info.Height; i++)
            rgba.Slice(i * 4, 3).CopyTo(rgb.AsSpan(i * 3));
        return (info.Width, info.Height, rgb);
    }

    /// <summary>The encoded format (PNG, GIF, ...), frame count (1 for a still image) and size of an image file.</summary>
    public static (SKEncodedImageFormat Format, int Frames, int Width, int Height) Describe(byte[] encoded)
    {
        using var codec = SKCodec.Create(new MemoryStream(encoded)) ?? throw new InvalidDataException("Not an image.");
        // Skia counts the frames of animations only; a still image reports none.
        return (codec.EncodedFormat, Math.Max(1, codec.FrameCount), codec.Info.Width, codec.Info.Height);
    }

    /// <summary>A PNG of the given size whose pixels <paramref name="white"/> picks are white, the others black.</summary>
    public static byte[] MaskPng(int width, int height, Func<int, int, bool> white)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                bitmap.SetPixel(x, y, white(x, y) ? SKColors.White : SKColors.Black);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
