namespace DragGan.Sessions.Exports;

/// <summary>
/// A minimal animated GIF89a encoder over <see cref="GifWriter"/>, for frames already in memory.
/// </summary>
/// <remarks>
/// Written here rather than taken from a package: SkiaSharp, already used for PNG and JPEG,
/// decodes GIF but cannot encode it; ImageSharp can, but its Six Labors Split License is not a
/// plain permissive licence for every user of this service; the small permissive GIF packages
/// draw through System.Drawing, which .NET supports on Windows only. A GIF encoder is a palette
/// mapping and LZW, about two hundred lines.
/// </remarks>
public static class GifEncoder
{
    /// <summary>Encodes frames of RGB pixels, all <paramref name="width"/> x <paramref name="height"/>.</summary>
    /// <param name="delaysCentiseconds">How long each frame shows, hundredths of a second.</param>
    public static byte[] Encode(IReadOnlyList<byte[]> frames, IReadOnlyList<int> delaysCentiseconds, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfZero(frames.Count);
        if (delaysCentiseconds.Count != frames.Count)
            throw new ArgumentException("Give one delay per frame.", nameof(delaysCentiseconds));
        using var gif = new MemoryStream();
        var writer = new GifWriter(gif, width, height);
        for (var i = 0; i < frames.Count; i++)
            writer.AddFrame(frames[i], delaysCentiseconds[i]);
        writer.Finish();
        return gif.ToArray();
    }
}
