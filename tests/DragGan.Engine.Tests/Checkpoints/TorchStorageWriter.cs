using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>
/// Writes the bytes <c>torch.storage._load_from_bytes</c> receives: a <c>torch.save</c> of one storage,
/// in the legacy stream form (what torch 1.x pickles) or the zip form.
/// </summary>
internal static class TorchStorageWriter
{
    private static readonly BigInteger Magic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);

    /// <param name="location">The persistent id's device field; anything pickle can write, for crafted streams.</param>
    public static byte[] Legacy(string storageType, long numel, byte[] data, string key = "94823510441232", object? location = null)
    {
        using var stream = new MemoryStream();
        stream.Write(PickleEmitter.Dump(Magic, protocol: 2));
        stream.Write(PickleEmitter.Dump(1001, protocol: 2));
        stream.Write(PickleEmitter.Dump(new Dictionary<string, object?>
        {
            ["protocol_version"] = 1001,
            ["little_endian"] = true,
            ["type_sizes"] = new Dictionary<string, object?> { ["short"] = 2, ["int"] = 4, ["long"] = 4 },
        }, protocol: 2));
        stream.Write(PickleEmitter.Dump(new PyPersistentId("storage", new PyGlobal("torch", storageType), key, location ?? "cpu", numel, null), protocol: 2));
        stream.Write(PickleEmitter.Dump(new List<object?> { key }, protocol: 2));
        Span<byte> count = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(count, numel);
        stream.Write(count);
        stream.Write(data);
        return stream.ToArray();
    }

    /// <param name="compression">How the storage's data entry is stored: torch writes it uncompressed.</param>
    public static byte[] Zip(string storageType, long numel, byte[] data, CompressionLevel compression = CompressionLevel.NoCompression)
    {
        using var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            // The zip form's persistent id has no view metadata.
            Add(archive, "archive/data.pkl", PickleEmitter.Dump(
                new PyPersistentId("storage", new PyGlobal("torch", storageType), "0", "cpu", numel), protocol: 2));
            Add(archive, "archive/byteorder", Encoding.ASCII.GetBytes("little"));
            Add(archive, "archive/data/0", data, compression);
            Add(archive, "archive/version", Encoding.ASCII.GetBytes("3\n"));
        }
        return stream.ToArray();
    }

    private static void Add(ZipArchive archive, string name, byte[] content, CompressionLevel compression = CompressionLevel.NoCompression)
    {
        using var entry = archive.CreateEntry(name, compression).Open();
        entry.Write(content);
    }
}
