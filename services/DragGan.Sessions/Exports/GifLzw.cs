namespace DragGan.Sessions.Exports;

/// <summary>
/// GIF's variable-length LZW (GIF89a spec, appendix F) for 8-bit indices: codes start at 9 bits,
/// grow to 12, and the table restarts with a clear code when it is full. Output is packed
/// least-significant bit first into data sub-blocks of at most 255 bytes.
/// </summary>
internal static class GifLzw
{
    public const int MinimumCodeSize = 8;
    private const int ClearCode = 1 << MinimumCodeSize;
    private const int EndCode = ClearCode + 1;
    private const int MaxCodes = 4096;

    /// <summary>Writes the minimum code size byte, the sub-blocks and the block terminator.</summary>
    public static void Write(Stream output, ReadOnlySpan<byte> indices)
    {
        output.WriteByte(MinimumCodeSize);
        var bits = new BitPacker(output);
        // (prefix code << 8 | next index) -> code of that string.
        var table = new Dictionary<int, int>(MaxCodes);
        var codeSize = MinimumCodeSize + 1;
        var lastCode = EndCode;
        bits.Write(ClearCode, codeSize);

        var prefix = -1;
        foreach (var index in indices)
        {
            if (prefix < 0)
            {
                prefix = index;
                continue;
            }
            var key = (prefix << 8) | index;
            if (table.TryGetValue(key, out var code))
            {
                prefix = code;
                continue;
            }
            bits.Write(prefix, codeSize);
            table[key] = ++lastCode;
            // The decoder widens its codes when its next free code needs another bit; keep in step.
            if (lastCode >= 1 << codeSize)
                codeSize++;
            if (lastCode == MaxCodes - 1)
            {
                bits.Write(ClearCode, codeSize);
                table.Clear();
                codeSize = MinimumCodeSize + 1;
                lastCode = EndCode;
            }
            prefix = index;
        }
        if (prefix >= 0)
            bits.Write(prefix, codeSize);
        bits.Write(EndCode, codeSize);
        bits.Flush();
        output.WriteByte(0);
    }

    private sealed class BitPacker(Stream output)
    {
        private readonly byte[] _block = new byte[255];
        private int _blockLength;
        private int _pending;
        private int _pendingBits;

        public void Write(int code, int size)
        {
            _pending |= code << _pendingBits;
            _pendingBits += size;
            while (_pendingBits >= 8)
            {
                Emit((byte)_pending);
                _pending >>= 8;
                _pendingBits -= 8;
            }
        }

        public void Flush()
        {
            if (_pendingBits > 0)
                Emit((byte)_pending);
            _pending = _pendingBits = 0;
            if (_blockLength > 0)
                WriteBlock();
        }

        private void Emit(byte value)
        {
            _block[_blockLength++] = value;
            if (_blockLength == _block.Length)
                WriteBlock();
        }

        private void WriteBlock()
        {
            output.WriteByte((byte)_blockLength);
            output.Write(_block, 0, _blockLength);
            _blockLength = 0;
        }
    }
}
