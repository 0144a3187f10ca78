namespace DragGan.Sessions.Exports;

/// <summary>
/// Writes an animated GIF89a to a stream one frame at a time: one global 256-colour table
/// (<see cref="GifPalette"/>), full frames, a per-frame delay, looping forever (the NETSCAPE2.0
/// extension). Only the frame being written is held, so an animation of any length needs the
/// memory of one frame besides its output.
/// </summary>
public sealed class GifWriter
{
    private readonly Stream _output;
    private readonly int _width;
    private readonly int _height;
    private bool _finished;

    /// <summary>Writes the header, the colour table and the looping extension.</summary>
    public GifWriter(Stream output, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(width, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(height, ushort.MaxValue);
        _output = output;
        _width = width;
        _height = height;

        output.Write("GIF89a"u8);
        WriteUInt16(width);
        WriteUInt16(height);
        output.WriteByte(0xF7); // global colour table present, 8-bit colour resolution, 256 entries
        output.WriteByte(0);    // background colour index
        output.WriteByte(0);    // square pixels
        output.Write(GifPalette.ColorTable);
        // Application extension NETSCAPE2.0: loop count 0 = forever.
        output.Write([0x21, 0xFF, 0x0B]);
        output.Write("NETSCAPE2.0"u8);
        output.Write([0x03, 0x01, 0x00, 0x00, 0x00]);
    }

    /// <summary>Frames written so far.</summary>
    public int FrameCount { get; private set; }

    /// <summary>Appends a frame of RGB pixels shown for <paramref name="delayCentiseconds"/>.</summary>
    public void AddFrame(byte[] rgb, int delayCentiseconds)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (rgb.Length != _width * _height * 3)
            throw new ArgumentException($"Frame {FrameCount} has {rgb.Length} bytes, not {_width}x{_height}x3.", nameof(rgb));
        // Graphic control extension: no disposal (frames are full), the delay, no transparency.
        _output.Write([0x21, 0xF9, 0x04, 0x04]);
        WriteUInt16(Math.Clamp(delayCentiseconds, 0, ushort.MaxValue));
        _output.Write([0x00, 0x00]);
        // Image descriptor: the whole canvas, no local colour table, not interlaced.
        _output.WriteByte(0x2C);
        WriteUInt16(0);
        WriteUInt16(0);
        WriteUInt16(_width);
        WriteUInt16(_height);
        _output.WriteByte(0);
        GifLzw.Write(_output, GifPalette.Map(rgb, _width, _height));
        FrameCount++;
    }

    /// <summary>Writes the trailer; nothing can be added after it.</summary>
    public void Finish()
    {
        if (FrameCount == 0)
            throw new InvalidOperationException("A GIF needs at least one frame.");
        if (!_finished)
            _output.WriteByte(0x3B);
        _finished = true;
    }

    private void WriteUInt16(int value)
    {
        _output.WriteByte((byte)value);
        _output.WriteByte((byte)(value >> 8));
    }
}
