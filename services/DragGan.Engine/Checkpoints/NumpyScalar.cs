using System.Buffers.Binary;

namespace DragGan.Engine.Checkpoints;

/// <summary>A pickled NumPy scalar (<c>numpy.core.multiarray.scalar(dtype, bytes)</c>).</summary>
internal sealed class NumpyScalar(NumpyDtype dtype, byte[] data)
{
    public NumpyDtype Dtype { get; } = dtype;

    /// <summary>The value as an integer when the dtype is a little-endian integer or bool.</summary>
    public long? AsInt64()
    {
        if (Dtype.ByteOrder == '>') return null;
        return (Dtype.Code, data.Length) switch
        {
            ("i8", 8) => BinaryPrimitives.ReadInt64LittleEndian(data),
            ("i4", 4) => BinaryPrimitives.ReadInt32LittleEndian(data),
            ("i2", 2) => BinaryPrimitives.ReadInt16LittleEndian(data),
            ("i1", 1) => (sbyte)data[0],
            ("u1" or "b1", 1) => data[0],
            ("u2", 2) => BinaryPrimitives.ReadUInt16LittleEndian(data),
            ("u4", 4) => BinaryPrimitives.ReadUInt32LittleEndian(data),
            _ => null,
        };
    }

    /// <summary>The value as a double when the dtype is a little-endian float or integer.</summary>
    public double? AsDouble()
    {
        if (Dtype.ByteOrder == '>') return null;
        return (Dtype.Code, data.Length) switch
        {
            ("f8", 8) => BinaryPrimitives.ReadDoubleLittleEndian(data),
            ("f4", 4) => BinaryPrimitives.ReadSingleLittleEndian(data),
            ("f2", 2) => (double)BinaryPrimitives.ReadHalfLittleEndian(data),
            _ => AsInt64(),
        };
    }
}
