using DragGan.Protos.V1;

namespace DragGan.Sessions.Exports;

/// <summary>
/// The form a drag's frames are kept in for ExportAnimation, chosen by the service rather than by
/// the client that watches the drag: JPEG, no larger than <see cref="SessionsOptions.DragFrameMaxSide"/>
/// and the model's resolution. A client may watch 2048 px RAW_RGB frames (12 MiB each); what the
/// store keeps of them is tens of kilobytes.
/// </summary>
internal static class KeptFrames
{
    /// <summary>Quality of re-encoded frames: a GIF's 252 colours lose more than this does.</summary>
    public const int JpegQuality = 85;

    /// <summary>The frame as it is kept: unchanged when already a JPEG within <paramref name="maxSide"/>, else re-encoded.</summary>
    /// <exception cref="InvalidDataException">The frame cannot be decoded.</exception>
    public static EncodedImage Bound(EncodedImage image, int maxSide)
    {
        var side = FramePixels.SideOf(image);
        if (image.Encoding == ImageEncoding.Jpeg && side <= maxSide)
            return image;
        return FramePixels.ToJpeg(image, Math.Min(side, maxSide), JpegQuality);
    }
}
