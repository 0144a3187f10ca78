namespace DragGan.Sessions.Exports;

/// <summary>
/// A minimal animated GIF89a writer: one global 256-colour table (<see cref="GifPalette"/>),
/// full frames, a per-frame delay, looping forever (the NETSCAPE2.0 extension).
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
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, ushort.MaxValue);

        using var gif = new MemoryStream();
        gif.Write("GIF89a"u8);
        WriteUInt16(gif, width);
        WriteUInt16(gif, height);
        gif.WriteByte(0xF7); // global colour table present, 8-bit colour resolution, 256 entries
        gif.WriteByte(0);    // background colour index
        gif.WriteByte(0);    // square pixels
        gif.Write(GifPalette.ColorTable);
        // Application extension NETSCAPE2.0: loop count 0 = forever.
        gif.Write([0x21, 0xFF, 0x0B]);
        gif.Write("NETSCAPE2.0"u8);
        gif.Write([0x03, 0x01, 0x00, 0x00, 0x00]);

        for (var i = 0; i < frames.Count; i++)
        {
            if (frames[i].Length != width * height * 3)
                throw new ArgumentException($"Frame {i} has {frames[i].Length} bytes, not {width}x{height}x3.", nameof(frames));
            // Graphic control extension: no disposal (frames are full), the delay, no transparency.
            gif.Write([0x21, 0xF9, 0x04, 0x04]);
            WriteUInt16(gif, Math.Clamp(delaysCentiseconds[i], 0, ushort.MaxValue));
            gif.Write([0x00, 0x00]);
            // Image descriptor: the whole canvas, no local colour table, not interlaced.
            gif.WriteByte(0x2C);
            WriteUInt16(gif, 0);
            WriteUInt16(gif, 0);
            WriteUInt16(gif, width);
            WriteUInt16(gif, height);
            gif.WriteByte(0);
            GifLzw.Write(gif, GifPalette.Map(frames[i], width, height));
        }
        gif.WriteByte(0x3B); // trailer
        return gif.ToArray();
    }

    private static void WriteUInt16(Stream stream, int value)
    {
        stream.WriteByte((byte)value);
        stream.WriteByte((byte)(value >> 8));
    }
}
