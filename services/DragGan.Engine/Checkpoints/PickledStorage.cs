using System.Runtime.InteropServices;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// The raw little-endian contents of one torch storage, as a slice of the bytes it was unpickled
/// from (no copy until a tensor is materialised).
/// </summary>
internal sealed class PickledStorage
{
    public PickledStorage(StorageDtype dtype, ReadOnlyMemory<byte> data)
    {
        if (data.Length % dtype.ElementSize() != 0)
            throw new CheckpointFormatException($"a {dtype} storage holds {data.Length} bytes, not a whole number of elements.");
        Dtype = dtype;
        Data = data;
    }

    public StorageDtype Dtype { get; }

    public ReadOnlyMemory<byte> Data { get; }

    public long ElementCount => Data.Length / Dtype.ElementSize();

    /// <summary>The same bytes read as another element type (torch's untyped storages carry no dtype of their own).</summary>
    public PickledStorage As(StorageDtype dtype) => dtype == Dtype ? this : new PickledStorage(dtype, Data);

    /// <summary>Converts <c>destination.Length</c> consecutive elements starting at <paramref name="index"/> to float32.</summary>
    public void ReadFloats(long index, Span<float> destination)
    {
        var size = Dtype.ElementSize();
        var bytes = Data.Span.Slice(checked((int)(index * size)), destination.Length * size);
        switch (Dtype)
        {
            case StorageDtype.Float32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(destination);
                break;
            case StorageDtype.Float16:
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                for (var i = 0; i < destination.Length; i++) destination[i] = (float)halves[i];
                break;
            case StorageDtype.BFloat16:
                // bfloat16 is the upper half of a float32's bits.
                var raw = MemoryMarshal.Cast<byte, ushort>(bytes);
                for (var i = 0; i < destination.Length; i++) destination[i] = BitConverter.Int32BitsToSingle(raw[i] << 16);
                break;
            case StorageDtype.Float64:
                var doubles = MemoryMarshal.Cast<byte, double>(bytes);
                for (var i = 0; i < destination.Length; i++) destination[i] = (float)doubles[i];
                break;
            case StorageDtype.Int64:
                var longs = MemoryMarshal.Cast<byte, long>(bytes);
                for (var i = 0; i < destination.Length; i++) destination[i] = longs[i];
                break;
            case StorageDtype.Int32:
                var ints = MemoryMarshal.Cast<byte, int>(bytes);
                for (var i = 0; i < destination.Length; i++) destination[i] = ints[i];
                break;
            case StorageDtype.Int16:
                var shorts = MemoryMarshal.Cast<byte, short>(bytes);
                for (var i = 0; i < destination.Length; i++) destination[i] = shorts[i];
                break;
            case StorageDtype.Int8:
                for (var i = 0; i < destination.Length; i++) destination[i] = (sbyte)bytes[i];
                break;
            case StorageDtype.UInt8:
                for (var i = 0; i < destination.Length; i++) destination[i] = bytes[i];
                break;
            case StorageDtype.Bool:
                for (var i = 0; i < destination.Length; i++) destination[i] = bytes[i] != 0 ? 1f : 0f;
                break;
            default:
                throw new InvalidOperationException($"Unhandled storage dtype {Dtype}.");
        }
    }
}
