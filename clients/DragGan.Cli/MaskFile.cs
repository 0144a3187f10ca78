using DragGan.Protos.V1;
using Google.Protobuf;
using SkiaSharp;

namespace DragGan.Cli;

/// <summary>
/// A --mask image: a PNG (or any image Skia decodes) at the model's resolution, whose nonzero
/// (white) pixels mark the fixed region the drag keeps, and black pixels the region free to
/// change. It is not resized: a mask drawn for another size would fix the wrong pixels.
/// </summary>
internal sealed class MaskFile
{
    private MaskFile(string path, int width, int height, byte[] values)
    {
        Path = path;
        Width = width;
        Height = height;
        Values = values;
    }

    public string Path { get; }

    public int Width { get; }

    public int Height { get; }

    /// <summary>One byte per pixel, row-major: 1 = fixed, 0 = free.</summary>
    public byte[] Values { get; }

    /// <exception cref="CliException">The file is missing or not an image (exit 3).</exception>
    public static MaskFile Read(string path)
    {
        if (!File.Exists(path))
            throw new CliException(ExitCodes.BadInput, $"Mask '{path}' does not exist.");
        using var codec = SKCodec.Create(path)
            ?? throw new CliException(ExitCodes.BadInput, $"Mask '{path}' is not a PNG or other image Skia can decode.");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        if (codec.GetPixels(info, bitmap.GetPixels()) != SKCodecResult.Success)
            throw new CliException(ExitCodes.BadInput, $"Mask '{path}' could not be decoded.");
        var pixels = bitmap.GetPixelSpan();
        var values = new byte[info.Width * info.Height];
        for (var i = 0; i < values.Length; i++)
        {
            var p = pixels.Slice(i * 4, 4);
            values[i] = (byte)(p[3] != 0 && (p[0] | p[1] | p[2]) != 0 ? 1 : 0);
        }
        return new MaskFile(path, info.Width, info.Height, values);
    }

    /// <summary>The mask for a model of <paramref name="resolution"/> pixels.</summary>
    /// <exception cref="CliException">The image is not resolution x resolution (exit 3).</exception>
    public Mask ForResolution(uint resolution)
    {
        if (Width != resolution || Height != resolution)
            throw new CliException(ExitCodes.BadInput,
                $"Mask '{Path}' is {Width}x{Height}; the model draws {resolution}x{resolution} images and masks are not resized: draw it at {resolution}x{resolution}.");
        return new Mask { Width = (uint)Width, Height = (uint)Height, Values = ByteString.CopyFrom(Values) };
    }
}
