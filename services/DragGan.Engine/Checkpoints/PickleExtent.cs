using System.Buffers.Binary;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Finds where a pickle ends by walking its opcodes, without running them. A legacy
/// <c>torch.save</c> stream is several pickles back to back followed by raw bytes; the unpickler's
/// stream reader allocates whatever length an opcode declares before it reads, so each pickle is
/// measured here first, with every declared length checked against the bytes that are there, and
/// then unpickled from a copy of exactly its bytes.
/// </summary>
internal static class PickleExtent
{
    private const byte Stop = (byte)'.';

    /// <summary>The length of the pickle at the start of <paramref name="data"/>, its STOP opcode included.</summary>
    /// <exception cref="CheckpointFormatException">The pickle runs past the data, declares a length the data does not hold, or uses an unknown opcode.</exception>
    public static int Measure(ReadOnlySpan<byte> data)
    {
        var position = 0;
        while (true)
        {
            if (position >= data.Length)
                throw Truncated();
            var opcode = data[position++];
            if (opcode == Stop)
                return position;
            position = Skip(opcode, data, position);
        }
    }

    /// <summary>The position after <paramref name="opcode"/>'s argument.</summary>
    private static int Skip(byte opcode, ReadOnlySpan<byte> data, int position) => opcode switch
    {
        // No argument.
        (byte)'(' or (byte)'0' or (byte)'1' or (byte)'2' or (byte)'N' or (byte)'R' or (byte)'a' or (byte)'b' or (byte)'d'
            or (byte)'}' or (byte)'e' or (byte)'l' or (byte)']' or (byte)'o' or (byte)'s' or (byte)'t' or (byte)')' or (byte)'u'
            or (byte)'Q' or 0x81 or 0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 0x8f or 0x90 or 0x91 or 0x92 or 0x93 or 0x94
            or 0x97 or 0x98 => position,
        // Newline-terminated arguments: FLOAT, INT, LONG, PERSID, STRING, UNICODE, GET, PUT; GLOBAL and INST take two lines.
        (byte)'F' or (byte)'I' or (byte)'L' or (byte)'P' or (byte)'S' or (byte)'V' or (byte)'g' or (byte)'p' => Line(data, position),
        (byte)'c' or (byte)'i' => Line(data, Line(data, position)),
        // Fixed-size arguments.
        (byte)'K' or (byte)'h' or (byte)'q' or 0x80 or 0x82 => Fixed(data, position, 1),
        (byte)'M' or 0x83 => Fixed(data, position, 2),
        (byte)'J' or (byte)'j' or (byte)'r' or 0x84 => Fixed(data, position, 4),
        (byte)'G' or 0x95 => Fixed(data, position, 8),
        // Length-prefixed arguments: SHORT_BINSTRING, SHORT_BINBYTES, SHORT_BINUNICODE, LONG1 (1-byte length);
        // BINSTRING, BINUNICODE, BINBYTES, LONG4 (4 bytes); BINUNICODE8, BINBYTES8, BYTEARRAY8 (8 bytes).
        (byte)'U' or (byte)'C' or 0x8c or 0x8a => Counted(data, position, 1),
        (byte)'T' or (byte)'X' or (byte)'B' or 0x8b => Counted(data, position, 4),
        0x8d or 0x8e or 0x96 => Counted(data, position, 8),
        _ => throw new CheckpointFormatException($"a torch.save stream holds an unknown pickle opcode 0x{opcode:x2}."),
    };

    private static int Line(ReadOnlySpan<byte> data, int position)
    {
        var end = data[position..].IndexOf((byte)'\n');
        return end < 0 ? throw Truncated() : position + end + 1;
    }

    private static int Fixed(ReadOnlySpan<byte> data, int position, int size) =>
        size <= data.Length - position ? position + size : throw Truncated();

    private static int Counted(ReadOnlySpan<byte> data, int position, int prefix)
    {
        var start = Fixed(data, position, prefix);
        var field = data.Slice(position, prefix);
        // LONG4 and BINSTRING read their length as signed; a negative one is as wrong as a too long one.
        var length = prefix switch
        {
            1 => field[0],
            4 => BinaryPrimitives.ReadInt32LittleEndian(field),
            _ => BinaryPrimitives.ReadInt64LittleEndian(field),
        };
        if (length < 0 || length > data.Length - start)
            throw new CheckpointFormatException(
                $"a pickle in a torch.save stream declares a {length}-byte value but only {data.Length - start} bytes follow.");
        return start + (int)length;
    }

    private static CheckpointFormatException Truncated() =>
        new("a pickle in a torch.save stream is truncated (it ends before its STOP opcode).");
}
