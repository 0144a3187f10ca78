using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using DragGan.Engine.Networks;

namespace DragGan.Engine.Tuning;

/// <summary>
/// The binary form of a <see cref="WeightDelta"/>, version 1, little-endian:
/// <code>
/// magic        4 bytes   "DGWD"
/// version      u16       1
/// kind         u8        1 low rank, 2 full
/// model_id     u16 n, then n bytes of UTF-8
/// rank         u16       r (1..MaxRank) for low rank, 0 for full
/// layer_count  u16       L
/// layers       L x (out u32, in u32, kernel u8)
/// values       fp16; per layer B [O, r] then A [r, I k k] (full: dW [O, I k k])
/// checksum     32 bytes  SHA-256 of every byte before it
/// </code>
/// Size in bytes, low rank: 45 + n + 9 L + 2 r sum_l (O_l + I_l k_l^2); full: 45 + n + 9 L +
/// 2 sum_l O_l I_l k_l^2. For the official 512 px FFHQ generator (15 synthesis convolutions,
/// sum (O + 9 I) = 59,072) that is 118,144 bytes per unit of rank plus the header: 0.9 MiB at rank 8.
/// </summary>
public static class WeightDeltaFormat
{
    public const ushort Version = 1;

    /// <summary>The largest rank read or written.</summary>
    public const int MaxRank = 64;

    private const int ChecksumBytes = 32;
    private const int LayerHeaderBytes = 9;
    private static ReadOnlySpan<byte> Magic => "DGWD"u8;

    /// <summary>Bytes <see cref="Write"/> produces for a delta of this model id, layers and rank (0 = full).</summary>
    public static long SizeOf(string modelId, IReadOnlyList<ConvLayerShape> layers, int rank)
    {
        var values = rank == 0
            ? layers.Sum(l => (long)l.OutChannels * l.FanIn)
            : layers.Sum(l => (long)rank * (l.OutChannels + l.FanIn));
        return 45 + Encoding.UTF8.GetByteCount(modelId) + LayerHeaderBytes * layers.Count + 2 * values;
    }

    public static byte[] Write(WeightDelta delta)
    {
        var modelId = Encoding.UTF8.GetBytes(delta.ModelId);
        if (modelId.Length > ushort.MaxValue)
            throw new ArgumentException($"The model id is {modelId.Length} bytes, at most {ushort.MaxValue}.", nameof(delta));
        var rank = delta.Kind == WeightDeltaKind.Full ? 0 : delta.Rank;
        if (delta.Kind == WeightDeltaKind.LowRank && rank is < 1 or > MaxRank)
            throw new ArgumentException($"The rank must be in 1..{MaxRank}, got {rank}.", nameof(delta));
        foreach (var layer in delta.Layers)
        {
            var (b, a) = rank == 0 ? (layer.Shape.OutChannels * layer.Shape.FanIn, 0) : (layer.Shape.OutChannels * rank, rank * layer.Shape.FanIn);
            if (layer.B.Length != b || layer.A.Length != a)
                throw new ArgumentException($"Layer {layer.Shape.Name} holds {layer.B.Length} + {layer.A.Length} values, its shape and rank {rank} need {b} + {a}.", nameof(delta));
        }
        var size = SizeOf(delta.ModelId, delta.Layers.Select(l => l.Shape).ToArray(), rank);
        var bytes = new byte[size];
        var writer = new SpanWriter(bytes);
        writer.Bytes(Magic);
        writer.UInt16(Version);
        writer.Byte((byte)delta.Kind);
        writer.UInt16((ushort)modelId.Length);
        writer.Bytes(modelId);
        writer.UInt16((ushort)rank);
        writer.UInt16((ushort)delta.Layers.Count);
        foreach (var layer in delta.Layers)
        {
            writer.UInt32((uint)layer.Shape.OutChannels);
            writer.UInt32((uint)layer.Shape.InChannels);
            writer.Byte((byte)layer.Shape.Kernel);
        }
        foreach (var layer in delta.Layers)
        {
            writer.Halves(layer.B);
            writer.Halves(layer.A);
        }
        SHA256.HashData(bytes.AsSpan(0, writer.Position), bytes.AsSpan(writer.Position, ChecksumBytes));
        return bytes;
    }

    /// <summary>
    /// Reads a delta for the model <paramref name="expectedModelId"/> whose synthesis convolutions
    /// are <paramref name="expectedLayers"/> (<see cref="ImageGenerator.ConvLayers"/>).
    /// </summary>
    /// <exception cref="WeightDeltaFormatException">The data is refused; the exception names the field.</exception>
    public static WeightDelta Read(ReadOnlySpan<byte> data, string expectedModelId, IReadOnlyList<ConvLayerShape> expectedLayers)
    {
        var reader = new SpanReader(data);
        if (!reader.Bytes(Magic.Length, "delta.Magic").SequenceEqual(Magic))
            throw new WeightDeltaFormatException("delta.Magic", "not a weight delta (the data does not start with \"DGWD\").");
        var version = reader.UInt16("delta.Version");
        if (version != Version)
            throw new WeightDeltaFormatException("delta.Version", $"version {version} is not supported; this reader reads version {Version}.");
        var kind = (WeightDeltaKind)reader.Byte("delta.Kind");
        if (!Enum.IsDefined(kind))
            throw new WeightDeltaFormatException("delta.Kind", $"kind {(byte)kind} is neither low rank (1) nor full (2).");
        var modelIdLength = reader.UInt16("delta.ModelId");
        string modelId;
        try
        {
            modelId = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(reader.Bytes(modelIdLength, "delta.ModelId"));
        }
        catch (DecoderFallbackException)
        {
            throw new WeightDeltaFormatException("delta.ModelId", "the model id is not valid UTF-8.");
        }
        if (modelId != expectedModelId)
            throw new WeightDeltaFormatException("delta.ModelId", $"the delta is for model '{modelId}', not '{expectedModelId}'.");
        var rank = reader.UInt16("delta.Rank");
        if (kind == WeightDeltaKind.Full ? rank != 0 : rank is < 1 or > MaxRank)
            throw new WeightDeltaFormatException("delta.Rank", kind == WeightDeltaKind.Full
                ? $"a full delta has rank 0, got {rank}."
                : $"rank must be in 1..{MaxRank}, got {rank}.");
        var layerCount = reader.UInt16("delta.LayerCount");
        if (layerCount != expectedLayers.Count)
            throw new WeightDeltaFormatException("delta.LayerCount", $"{layerCount} layers, the model has {expectedLayers.Count} synthesis convolutions.");
        for (var i = 0; i < layerCount; i++)
        {
            var field = $"delta.Layers[{i}].Shape";
            var (outChannels, inChannels, kernel) = (reader.UInt32(field), reader.UInt32(field), reader.Byte(field));
            var expected = expectedLayers[i];
            if (outChannels != expected.OutChannels || inChannels != expected.InChannels || kernel != expected.Kernel)
                throw new WeightDeltaFormatException(field, $"[{outChannels}, {inChannels}, {kernel}, {kernel}] does not match {expected.Name} [{string.Join(", ", expected.WeightShape)}].");
        }

        var size = SizeOf(modelId, expectedLayers, rank);
        if (data.Length < size)
            throw new WeightDeltaFormatException(data.Length < size - ChecksumBytes ? "delta.Values" : "delta.Checksum",
                $"the data is truncated: {data.Length} bytes, the header describes {size}.");
        if (data.Length > size)
            throw new WeightDeltaFormatException("delta", $"{data.Length - size} bytes follow the checksum; the header describes {size}.");
        Span<byte> checksum = stackalloc byte[ChecksumBytes];
        SHA256.HashData(data[..(int)(size - ChecksumBytes)], checksum);
        if (!checksum.SequenceEqual(data[(int)(size - ChecksumBytes)..]))
            throw new WeightDeltaFormatException("delta.Checksum", "the checksum does not match the data: it is corrupted.");

        var layers = new WeightDeltaLayer[layerCount];
        for (var i = 0; i < layerCount; i++)
        {
            var shape = expectedLayers[i];
            var (bLength, aLength) = kind == WeightDeltaKind.Full ? (shape.OutChannels * shape.FanIn, 0) : (shape.OutChannels * rank, rank * shape.FanIn);
            layers[i] = new WeightDeltaLayer(shape, reader.Halves(bLength, $"delta.Layers[{i}].B"), reader.Halves(aLength, $"delta.Layers[{i}].A"));
        }
        return new WeightDelta(modelId, kind, rank, layers);
    }

    private ref struct SpanWriter(Span<byte> bytes)
    {
        private readonly Span<byte> _bytes = bytes;

        public int Position { get; private set; }

        public void Bytes(ReadOnlySpan<byte> value)
        {
            value.CopyTo(_bytes[Position..]);
            Position += value.Length;
        }

        public void Byte(byte value) => _bytes[Position++] = value;

        public void UInt16(ushort value)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_bytes[Position..], value);
            Position += 2;
        }

        public void UInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_bytes[Position..], value);
            Position += 4;
        }

        public void Halves(float[] values)
        {
            foreach (var value in values)
            {
                BinaryPrimitives.WriteHalfLittleEndian(_bytes[Position..], (Half)value);
                Position += 2;
            }
        }
    }

    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public ReadOnlySpan<byte> Bytes(int count, string field)
        {
            if (_data.Length - _position < count)
                throw new WeightDeltaFormatException(field, $"the data is truncated: it ends at byte {_data.Length}, inside this field.");
            var value = _data.Slice(_position, count);
            _position += count;
            return value;
        }

        public byte Byte(string field) => Bytes(1, field)[0];

        public ushort UInt16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2, field));

        public uint UInt32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, field));

        public float[] Halves(int count, string field)
        {
            var bytes = Bytes(count * 2, field);
            var values = new float[count];
            for (var i = 0; i < count; i++)
            {
                var value = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.Slice(i * 2, 2));
                if (!float.IsFinite(value))
                    throw new WeightDeltaFormatException(field, $"value {i} is {value}; every value must be finite.");
                values[i] = value;
            }
            return values;
        }
    }
}
