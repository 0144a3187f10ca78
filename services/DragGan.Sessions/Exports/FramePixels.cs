using DragGan.Protos.V1;
using SkiaSharp;

namespace DragGan.Sessions.Exports;

/// <summary>Stored frame images (PNG, JPEG or RAW_RGB) to RGB pixels of one size, with SkiaSharp.</summary>
internal static class FramePixels
{
    /// <summary>The frame's side in pixels, from its header (RAW_RGB: its width).</summary>
    public static int SideOf(EncodedImage image)
    {
        if (image.Encoding == ImageEncoding.RawRgb)
            return (int)image.Width;
        using var codec = SKCodec.Create(new MemoryStream(image.Data.ToByteArray()))
            ?? throw new InvalidDataException($"A stored {image.Encoding} frame could not be read.");
        return codec.Info.Width;
    }

    /// <summary>The frame's pixels resized to <paramref name="size"/> x <paramref name="size"/> (trilinear when shrinking, Mitchell when enlarging).</summary>
    /// <exception cref="InvalidDataException">The stored image cannot be decoded.</exception>
    public static byte[] Decode(EncodedImage image, int size)
    {
        using var target = Resize(image, size);
        var rgba = target.GetPixelSpan();
        var rgb = new byte[size * size * 3];
        for (int p = 0, i = 0, o = 0; p < size * size; p++, i += 4, o += 3)
        {
            rgb[o] = rgba[i];
            rgb[o + 1] = rgba[i + 1];
            rgb[o + 2] = rgba[i + 2];
        }
        return rgb;
    }

    /// <summary>The frame as a JPEG of <paramref name="size"/> x <paramref name="size"/>.</summary>
    /// <exception cref="InvalidDataException">The image cannot be decoded.</exception>
    public static EncodedImage ToJpeg(EncodedImage image, int size, int quality)
    {
        using var target = Resize(image, size);
        using var data = target.Encode(SKEncodedImageFormat.Jpeg, quality)
            ?? throw new InvalidDataException($"Encoding a {size}x{size} frame as JPEG failed.");
        return new EncodedImage
        {
            Encoding = ImageEncoding.Jpeg,
            Width = (uint)size,
            Height = (uint)size,
            Data = Google.Protobuf.ByteString.CopyFrom(data.ToArray()),
        };
    }

    private static SKBitmap Resize(EncodedImage image, int size)
    {
        using var source = ToImage(image);
        var target = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        var sampling = size < source.Width
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : new SKSamplingOptions(SKCubicResampler.Mitchell);
        using (var pixmap = target.PeekPixels())
        {
            if (!source.ScalePixels(pixmap, sampling))
            {
                target.Dispose();
                throw new InvalidDataException($"Resizing a {source.Width}x{source.Height} frame to {size}x{size} failed.");
            }
        }
        return target;
    }

    private static SKImage ToImage(EncodedImage image)
    {
        if (image.Encoding != ImageEncoding.RawRgb)
        {
            return SKImage.FromEncodedData(image.Data.ToByteArray())
                ?? throw new InvalidDataException($"A stored {image.Encoding} frame could not be decoded.");
        }
        var width = (int)image.Width;
        var height = (int)image.Height;
        if (width <= 0 || height <= 0 || image.Data.Length != width * height * 3)
            throw new InvalidDataException($"A RAW_RGB frame of {width}x{height} must have {width * height * 3} bytes, got {image.Data.Length}.");
        var rgb = image.Data.Span;
        var rgba = new byte[width * height * 4];
        for (int p = 0, i = 0, o = 0; p < width * height; p++, i += 3, o += 4)
        {
            rgba[o] = rgb[i];
            rgba[o + 1] = rgb[i + 1];
            rgba[o + 2] = rgb[i + 2];
            rgba[o + 3] = 255;
        }
        return SKImage.FromPixelCopy(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque), rgba)
            ?? throw new InvalidDataException("A RAW_RGB frame could not be wrapped.");
    }
}
