using SkiaSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Imaging;

/// <summary>Encoded image formats the engine writes and reads.</summary>
public enum ImageFormat
{
    Png,
    Jpeg,
}

/// <summary>How <see cref="ImageCodec.Encode(Tensor, ImageEncodeOptions?)"/> writes an image.</summary>
public sealed record ImageEncodeOptions
{
    public ImageFormat Format { get; init; } = ImageFormat.Png;

    /// <summary>1 (smallest) to 100 (best); JPEG only.</summary>
    public int JpegQuality { get; init; } = ImageCodec.DefaultJpegQuality;

    /// <summary>Resize to this width; with only one of width and height set, the other keeps the aspect ratio.</summary>
    public int? Width { get; init; }

    /// <summary>Resize to this height; with only one of width and height set, the other keeps the aspect ratio.</summary>
    public int? Height { get; init; }
}

/// <summary>
/// Between generator images (float tensors in [-1, 1]), 8-bit RGB pixels, and PNG / JPEG bytes.
/// Tensor to pixels is the reference's <c>(img * 127.5 + 128).clamp(0, 255).to(torch.uint8)</c>;
/// pixels to tensor is its inverse <c>v / 127.5 - 1</c>, so PNG round trips return the same bytes.
/// </summary>
public static class ImageCodec
{
    public const int DefaultJpegQuality = 90;

    /// <summary>Decoding refuses images with more pixels than this by default (8192 x 8192).</summary>
    public const long DefaultMaxPixels = 8192L * 8192;

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// A generator image, [3, H, W] or [1, 3, H, W] (or one channel, shown as grey), any float
    /// dtype and device, to 8-bit RGB.
    /// </summary>
    public static RgbImage ToRgb(Tensor image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var shape = image.shape;
        var chw = shape.Length switch
        {
            3 => shape,
            4 when shape[0] == 1 => shape[1..],
            _ => throw new ArgumentException($"Image must be [C, H, W] or [1, C, H, W], got [{string.Join(", ", shape)}].", nameof(image)),
        };
        if (chw[0] is not (1 or 3))
            throw new ArgumentException($"Image must have 1 or 3 channels, got {chw[0]}.", nameof(image));
        if (!image.is_floating_point())
            throw new ArgumentException($"Image must be a floating-point tensor in [-1, 1], got {image.dtype}.", nameof(image));

        using var scope = NewDisposeScope();
        var x = image.detach().reshape(chw).to(ScalarType.Float32);
        var bytes = x.mul(127.5).add(128).clamp(0, 255).to(ScalarType.Byte);
        if (chw[0] == 1)
            bytes = bytes.expand(3, -1, -1);
        var hwc = bytes.permute(1, 2, 0).cpu().contiguous();
        return new RgbImage((int)chw[2], (int)chw[1], hwc.bytes.ToArray());
    }

    /// <summary>8-bit RGB to a [1, 3, H, W] float32 tensor in [-1, 1] on <paramref name="device"/> (CPU by default).</summary>
    public static Tensor ToTensor(RgbImage image, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var scope = NewDisposeScope();
        var hwc = tensor(image.Pixels, [image.Height, image.Width, 3], ScalarType.Byte);
        var x = hwc.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32, device ?? CPU).div(127.5).sub(1);
        return x.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Encodes a generator image (see <see cref="ToRgb"/>), resized first when the options ask.</summary>
    public static byte[] Encode(Tensor image, ImageEncodeOptions? options = null)
    {
        options ??= new ImageEncodeOptions();
        var rgb = ToRgb(image);
        if (options.Width is not null || options.Height is not null)
        {
            var (width, height) = TargetSize(rgb, options.Width, options.Height);
            rgb = Resize(rgb, width, height);
        }
        return Encode(rgb, options.Format, options.JpegQuality);
    }

    /// <summary>PNG (lossless) or JPEG at <paramref name="jpegQuality"/> (1-100).</summary>
    public static byte[] Encode(RgbImage image, ImageFormat format, int jpegQuality = DefaultJpegQuality)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (jpegQuality is < 1 or > 100)
            throw new ArgumentOutOfRangeException(nameof(jpegQuality), jpegQuality, "JPEG quality must be between 1 and 100.");
        var (skFormat, quality) = format switch
        {
            ImageFormat.Png => (SKEncodedImageFormat.Png, 100),
            ImageFormat.Jpeg => (SKEncodedImageFormat.Jpeg, jpegQuality),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown image format."),
        };
        using var skImage = SKImage.FromPixelCopy(OpaqueInfo(image.Width, image.Height), ToRgba(image))
            ?? throw new InvalidOperationException("Could not wrap the pixels for encoding.");
        using var data = skImage.Encode(skFormat, quality)
            ?? throw new InvalidOperationException($"Encoding a {image.Width}x{image.Height} image as {format} failed.");
        return data.ToArray();
    }

    /// <summary>
    /// Resamples to <paramref name="width"/> x <paramref name="height"/>: Mitchell bicubic when
    /// enlarging, trilinear over mipmaps when shrinking (no aliasing).
    /// </summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (width == image.Width && height == image.Height)
            return image;

        var sampling = width < image.Width || height < image.Height
            ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
            : new SKSamplingOptions(SKCubicResampler.Mitchell);
        using var source = SKImage.FromPixelCopy(OpaqueInfo(image.Width, image.Height), ToRgba(image))
            ?? throw new InvalidOperationException("Could not wrap the pixels for resizing.");
        using var target = new SKBitmap(OpaqueInfo(width, height));
        using var pixmap = target.PeekPixels();
        if (!source.ScalePixels(pixmap, sampling))
            throw new InvalidOperationException($"Resizing {image.Width}x{image.Height} to {width}x{height} failed.");
        return new RgbImage(width, height, FromRgba(target.GetPixelSpan(), width * height));
    }

    /// <summary>
    /// Decodes PNG or JPEG bytes to 8-bit RGB. Alpha is dropped (colour kept as stored, not
    /// composited); a JPEG's EXIF orientation is applied.
    /// </summary>
    /// <exception cref="ImageDecodeException">The bytes are not a PNG or JPEG, are corrupt or truncated, or have more than <paramref name="maxPixels"/> pixels.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> bytes, long maxPixels = DefaultMaxPixels) =>
        Read(bytes, (codec, format) => Decode(codec, format, maxPixels));

    private static RgbImage Decode(SKCodec codec, ImageFormat format, long maxPixels)
    {
        var width = codec.Info.Width;
        var height = codec.Info.Height;
        if (width <= 0 || height <= 0)
            throw new ImageDecodeException($"The {format} image has no pixels ({width}x{height}).");
        if ((long)width * height > maxPixels)
            throw new ImageDecodeException($"The {format} image is {width}x{height}, more than the {maxPixels} pixels allowed.");

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[(long)width * height * 4];
        var result = codec.GetPixels(info, rgba);
        if (result != SKCodecResult.Success)
            throw new ImageDecodeException(result == SKCodecResult.IncompleteInput
                ? $"The {format} image is truncated."
                : $"The {format} image could not be decoded ({result}).");

        var image = new RgbImage(width, height, FromRgba(rgba, width * height));
        return Orient(image, codec.EncodedOrigin);
    }

    /// <summary>
    /// The width and height a PNG or JPEG declares in its header (before any EXIF orientation),
    /// read without decoding a pixel: what a caller checks before it lets a decode allocate.
    /// </summary>
    /// <exception cref="ImageDecodeException">The bytes are not a PNG or JPEG, or their header cannot be read.</exception>
    public static (int Width, int Height) ReadSize(ReadOnlySpan<byte> bytes) =>
        Read(bytes, (codec, _) => (codec.Info.Width, codec.Info.Height));

    /// <summary>Opens a PNG or JPEG's codec (its header read, no pixel decoded) for <paramref name="read"/>, given the format's name.</summary>
    /// <exception cref="ImageDecodeException">The bytes are not a PNG or JPEG, or their header cannot be read.</exception>
    private static T Read<T>(ReadOnlySpan<byte> bytes, Func<SKCodec, ImageFormat, T> read)
    {
        if (bytes.IsEmpty)
            throw new ImageDecodeException("No image data (0 bytes).");
        var format = DetectFormat(bytes) ?? throw new ImageDecodeException(
            $"Not a PNG or JPEG image ({bytes.Length} bytes starting {Convert.ToHexString(bytes[..Math.Min(8, bytes.Length)])}).");
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data) ?? throw new ImageDecodeException($"The {format} data could not be read (corrupt header?).");
        return read(codec, format);
    }

    /// <summary>Decodes PNG or JPEG bytes to a [1, 3, H, W] float32 tensor in [-1, 1].</summary>
    /// <exception cref="ImageDecodeException">See <see cref="Decode"/>.</exception>
    public static Tensor DecodeToTensor(ReadOnlySpan<byte> bytes, Device? device = null, long maxPixels = DefaultMaxPixels) =>
        ToTensor(Decode(bytes, maxPixels), device);

    /// <summary>PNG or JPEG by the file signature; null for anything else.</summary>
    public static ImageFormat? DetectFormat(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(PngSignature))
            return ImageFormat.Png;
        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
            return ImageFormat.Jpeg;
        return null;
    }

    /// <summary>The format a file name asks for: .png, or .jpg / .jpeg; null otherwise.</summary>
    public static ImageFormat? FormatFromPath(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".png" => ImageFormat.Png,
        ".jpg" or ".jpeg" => ImageFormat.Jpeg,
        _ => null,
    };

    public static string ContentType(ImageFormat format) => format switch
    {
        ImageFormat.Png => "image/png",
        ImageFormat.Jpeg => "image/jpeg",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown image format."),
    };

    private static (int Width, int Height) TargetSize(RgbImage image, int? width, int? height)
    {
        if (width is <= 0 || height is <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), "Resize width and height must be positive.");
        var w = width ?? Math.Max(1, (int)Math.Round((double)image.Width * height!.Value / image.Height));
        var h = height ?? Math.Max(1, (int)Math.Round((double)image.Height * width!.Value / image.Width));
        return (w, h);
    }

    private static SKImageInfo OpaqueInfo(int width, int height) =>
        new(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);

    private static byte[] ToRgba(RgbImage image)
    {
        var rgb = image.Pixels;
        var rgba = new byte[(long)image.Width * image.Height * 4];
        for (long p = 0, i = 0, o = 0; p < (long)image.Width * image.Height; p++, i += 3, o += 4)
        {
            rgba[o] = rgb[i];
            rgba[o + 1] = rgb[i + 1];
            rgba[o + 2] = rgb[i + 2];
            rgba[o + 3] = 255;
        }
        return rgba;
    }

    private static byte[] FromRgba(ReadOnlySpan<byte> rgba, long pixels)
    {
        var rgb = new byte[pixels * 3];
        for (int p = 0, i = 0, o = 0; p < pixels; p++, i += 4, o += 3)
        {
            rgb[o] = rgba[i];
            rgb[o + 1] = rgba[i + 1];
            rgb[o + 2] = rgba[i + 2];
        }
        return rgb;
    }

    /// <summary>Applies an EXIF orientation: the stored pixels become the upright picture.</summary>
    internal static RgbImage Orient(RgbImage image, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or 0)
            return image;
        int w = image.Width, h = image.Height;
        var swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        int outW = swap ? h : w, outH = swap ? w : h;
        var source = image.Pixels;
        var result = new byte[source.Length];
        for (var y = 0; y < outH; y++)
        {
            for (var x = 0; x < outW; x++)
            {
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (w - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (w - 1 - x, h - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, h - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, h - 1 - x),
                    SKEncodedOrigin.RightBottom => (w - 1 - y, h - 1 - x),
                    SKEncodedOrigin.LeftBottom => (w - 1 - y, x),
                    _ => (x, y),
                };
                var s = ((long)sy * w + sx) * 3;
                var o = ((long)y * outW + x) * 3;
                result[o] = source[s];
                result[o + 1] = source[s + 1];
                result[o + 2] = source[s + 2];
            }
        }
        return new RgbImage(outW, outH, result);
    }
}
