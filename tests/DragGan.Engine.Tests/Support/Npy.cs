using System.Text;
using System.Text.RegularExpressions;
using TorchSharp;

namespace DragGan.Engine.Tests.Support;

/// <summary>Reads little-endian float32, C-order NumPy .npy files (the reference outputs) as tensors.</summary>
public static partial class Npy
{
    public static torch.Tensor ReadFloat32(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        var magic = reader.ReadBytes(6);
        if (magic[0] != 0x93 || Encoding.ASCII.GetString(magic, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path} is not a .npy file.");
        var major = reader.ReadByte();
        reader.ReadByte();
        var headerLength = major == 1 ? reader.ReadUInt16() : (int)reader.ReadUInt32();
        var header = Encoding.ASCII.GetString(reader.ReadBytes(headerLength));
        if (!header.Contains("'descr': '<f4'") || !header.Contains("'fortran_order': False"))
            throw new InvalidDataException($"{path}: only C-order little-endian float32 is supported ({header}).");
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(long.Parse).ToArray();
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[count];
        var bytes = reader.ReadBytes(checked((int)count * sizeof(float)));
        Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
        return torch.tensor(data, shape);
    }

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
