using DragGan.Engine.Imaging;
using DragGan.Protos.V1;
using Google.Protobuf;

namespace DragGan.Inference.Services;

/// <summary>Checked <see cref="ImageOptions"/>: encoding, side and quality of returned images.</summary>
internal sealed record ImageRendering(ImageEncoding Encoding, int? Size, int JpegQuality)
{
    public const int MinSize = 16;
    public const int MaxSize = 2048;

    /// <summary>Validates a request's image options; absent options mean PNG at the model's resolution.</summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming <paramref name="field"/>.encoding, .size or .jpeg_quality.</exception>
    public static ImageRendering From(ImageOptions? options, string field)
    {
        if (options is null)
            return new ImageRendering(ImageEncoding.Png, null, ImageCodec.DefaultJpegQuality);
        var encoding = options.Encoding switch
        {
            ImageEncoding.Unspecified or ImageEncoding.Png => ImageEncoding.Png,
            ImageEncoding.Jpeg => ImageEncoding.Jpeg,
            ImageEncoding.RawRgb => ImageEncoding.RawRgb,
            _ => throw Invalid.Argument($"{field}.encoding", $"must be PNG, JPEG or RAW_RGB, got {(int)options.Encoding}."),
        };
        if (options.Size != 0 && options.Size is < MinSize or > MaxSize)
            throw Invalid.Argument($"{field}.size", $"must be 0 (the model's resolution) or {MinSize}..{MaxSize}, got {options.Size}.");
        if (options.JpegQuality > 100)
            throw Invalid.Argument($"{field}.jpeg_quality", $"must be 0 (default {ImageCodec.DefaultJpegQuality}) or 1..100, got {options.JpegQuality}.");
        return new ImageRendering(
            encoding,
            options.Size == 0 ? null : (int)options.Size,
            options.JpegQuality == 0 ? ImageCodec.DefaultJpegQuality : (int)options.JpegQuality);
    }

    /// <summary>Resizes (when asked) and encodes 8-bit pixels of a generator image.</summary>
    public EncodedImage Encode(RgbImage image)
    {
        if (Size is { } size)
            image = ImageCodec.Resize(image, size, size);
        var data = Encoding switch
        {
            ImageEncoding.Jpeg => ImageCodec.Encode(image, ImageFormat.Jpeg, JpegQuality),
            ImageEncoding.RawRgb => image.Pixels,
            _ => ImageCodec.Encode(image, ImageFormat.Png),
        };
        return new EncodedImage
        {
            Encoding = Encoding,
            Width = (uint)image.Width,
            Height = (uint)image.Height,
            Data = ByteString.CopyFrom(data),
        };
    }
}
