using System.Diagnostics.CodeAnalysis;
using DragGan.Engine.Imaging;
using DragGan.Protos.V1;

namespace DragGan.Inference.Services;

/// <summary>Images that requests carry, decoded to 8-bit RGB.</summary>
internal static class ImageMessages
{
    private delegate T EncodedReader<out T>(ReadOnlySpan<byte> bytes);

    /// <summary>
    /// Width and height of a PNG, JPEG (from the header) or RAW_RGB image (from its fields),
    /// without decoding a pixel: what a caller checks before it decodes.
    /// </summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming <paramref name="field"/> or its parts.</exception>
    public static (int Width, int Height) Size(EncodedImage? image, string field) =>
        IsRawRgb(image, field)
            ? ((int)Math.Min(image.Width, int.MaxValue), (int)Math.Min(image.Height, int.MaxValue))
            : ReadEncoded(image, field, static bytes => ImageCodec.ReadSize(bytes));

    /// <summary>A PNG, JPEG or RAW_RGB image. UNSPECIFIED means "detect PNG or JPEG from the bytes".</summary>
    /// <exception cref="Grpc.Core.RpcException">INVALID_ARGUMENT naming <paramref name="field"/> or its parts.</exception>
    public static RgbImage Decode(EncodedImage? image, string field)
    {
        if (!IsRawRgb(image, field))
            return ReadEncoded(image, field, static bytes => ImageCodec.Decode(bytes));
        var expected = (long)image.Width * image.Height * 3;
        if (image.Data.Length != expected)
            throw Invalid.Argument($"{field}.data", $"must hold width * height * 3 = {expected} bytes for RAW_RGB, got {image.Data.Length}.");
        return new RgbImage((int)image.Width, (int)image.Height, image.Data.ToByteArray());
    }

    /// <summary>Checks what every image needs: true for RAW_RGB (with its width and height), false for PNG, JPEG or UNSPECIFIED.</summary>
    private static bool IsRawRgb([NotNull] EncodedImage? image, string field)
    {
        if (image is null || image.Data.IsEmpty)
            throw Invalid.Argument(field, "must be set: PNG, JPEG or RAW_RGB bytes.");
        switch (image.Encoding)
        {
            case ImageEncoding.RawRgb:
                if (image.Width == 0 || image.Height == 0)
                    throw Invalid.Argument($"{field}.width", "and height must be set for RAW_RGB.");
                return true;
            case ImageEncoding.Unspecified or ImageEncoding.Png or ImageEncoding.Jpeg:
                return false;
            default:
                throw Invalid.Argument($"{field}.encoding", $"must be PNG, JPEG or RAW_RGB, got {(int)image.Encoding}.");
        }
    }

    private static T ReadEncoded<T>(EncodedImage image, string field, EncodedReader<T> read)
    {
        try
        {
            return read(image.Data.Span);
        }
        catch (ImageDecodeException e)
        {
            throw Invalid.Argument($"{field}.data", $"is not a PNG or JPEG image: {e.Message}");
        }
    }
}
