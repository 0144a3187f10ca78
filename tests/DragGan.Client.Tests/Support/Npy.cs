using System.Buffers.Binary;
using System.Text;

namespace DragGan.Client.Tests.Support;

/// <summary>Reads the float32 .npy files the service exports (format 1.0, little-endian, C order).</summary>
public static class Npy
{
    public static (int[] Shape, float[] Values) Read(byte[] file)
    {
        Assert.Equal("\x93NUMPY", Encoding.Latin1.GetString(file, 0, 6));
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8));
        var header = Encoding.ASCII.GetString(file, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'fortran_order': False", header);
        var shapeText = header[(header.IndexOf('(') + 1)..header.IndexOf(')')];
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = file.AsSpan(10 + headerLength);
        var values = new float[data.Length / 4];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), values.Length);
        return (shape, values);
    }
}
