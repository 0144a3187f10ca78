using System.Buffers.Binary;
using System.Collections;
using System.IO.Compression;
using System.Numerics;
using Razorvine.Pickle;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Reads the argument of <c>torch.storage._load_from_bytes</c>: a <c>torch.save</c> of one storage.
/// Older torch writes the legacy stream (magic number, protocol version, system info, the pickle,
/// the storage keys, then per key an int64 element count and the raw data); newer torch may write the
/// zip form (<c>*/data.pkl</c> plus <c>*/data/&lt;key&gt;</c>). Storage bytes stay slices of the input.
/// </summary>
internal static class TorchSaveStream
{
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    private const int LegacyProtocolVersion = 1001;

    public static PickledStorage ReadStorage(byte[] bytes) =>
        IsZip(bytes) ? ReadZip(bytes) : ReadLegacy(bytes);

    public static bool IsZip(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;

    private static PickledStorage ReadLegacy(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true);
        if (LoadNext(stream) is not BigInteger magic || magic != LegacyMagic)
            throw new CheckpointFormatException("a tensor storage is not a torch.save stream (bad magic number).");
        if (LoadNext(stream) is not int version || version != LegacyProtocolVersion)
            throw new CheckpointFormatException($"a tensor storage uses an unsupported torch.save protocol (expected {LegacyProtocolVersion}).");
        if (LoadNext(stream) is not Hashtable sysInfo || sysInfo["little_endian"] is not true)
            throw new CheckpointFormatException("a tensor storage was saved big-endian or without system info; only little-endian storages are supported.");

        var unpickler = new StorageUnpickler();
        var root = unpickler.load(stream) as StorageRequest
            ?? throw new CheckpointFormatException("a torch.save stream inside the pickle does not hold a storage.");
        if (LoadNext(stream) is not IList keys)
            throw new CheckpointFormatException("a torch.save stream has no storage key list.");

        var position = stream.Position;
        var data = new Dictionary<string, PickledStorage>(StringComparer.Ordinal);
        foreach (var key in keys.Cast<object>().Select(k => k as string ?? k.ToString()!))
        {
            if (!unpickler.Requests.TryGetValue(key, out var request))
                throw new CheckpointFormatException($"a torch.save stream lists storage {key} that its pickle never uses.");
            if (position + sizeof(long) > bytes.Length)
                throw new CheckpointFormatException($"a torch.save stream ends before storage {key}.");
            var count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(checked((int)position)));
            position += sizeof(long);
            if (count != request.ElementCount)
                throw new CheckpointFormatException($"storage {key} has {count} elements in its data but {request.ElementCount} in its pickle.");
            var remaining = bytes.Length - position;
            if (count < 0 || count > remaining / request.Dtype.ElementSize())
                throw new CheckpointFormatException($"storage {key} needs {count} elements of {request.Dtype.ElementSize()} bytes but only {remaining} bytes remain.");
            var length = count * request.Dtype.ElementSize();
            data[key] = new PickledStorage(request.Dtype, bytes.AsMemory(checked((int)position), checked((int)length)));
            position += length;
        }
        return Resolve(root, data);
    }

    private static PickledStorage ReadZip(byte[] bytes)
    {
        using var archive = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        var pickle = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
            ?? throw new CheckpointFormatException("a zip torch.save stream has no data.pkl.");
        var prefix = pickle.FullName[..^"data.pkl".Length];
        var byteOrder = archive.GetEntry(prefix + "byteorder");
        if (byteOrder is not null && ReadEntry(byteOrder) is var order && System.Text.Encoding.ASCII.GetString(order) != "little")
            throw new CheckpointFormatException("a zip torch.save stream was saved big-endian; only little-endian storages are supported.");

        var unpickler = new StorageUnpickler();
        var root = unpickler.loads(ReadEntry(pickle)) as StorageRequest
            ?? throw new CheckpointFormatException("a zip torch.save stream inside the pickle does not hold a storage.");
        var data = new Dictionary<string, PickledStorage>(StringComparer.Ordinal);
        foreach (var request in unpickler.Requests.Values)
        {
            var entry = archive.GetEntry($"{prefix}data/{request.Key}")
                ?? throw new CheckpointFormatException($"a zip torch.save stream has no data for storage {request.Key}.");
            var content = ReadEntry(entry);
            if (request.ElementCount < 0 || request.ElementCount > content.Length / request.Dtype.ElementSize())
                throw new CheckpointFormatException(
                    $"storage {request.Key} needs {request.ElementCount} elements of {request.Dtype.ElementSize()} bytes but its entry holds {content.Length} bytes.");
            var length = request.ElementCount * request.Dtype.ElementSize();
            data[request.Key] = new PickledStorage(request.Dtype, content.AsMemory(0, (int)length));
        }
        return Resolve(root, data);
    }

    private static PickledStorage Resolve(StorageRequest root, Dictionary<string, PickledStorage> data)
    {
        if (!data.TryGetValue(root.Key, out var storage))
            throw new CheckpointFormatException($"a torch.save stream has no data for storage {root.Key}.");
        if (root.View is not { } view)
            return storage;
        if (view.Offset < 0 || view.Size < 0 || view.Offset + view.Size > storage.ElementCount)
            throw new CheckpointFormatException($"a storage view [{view.Offset}, +{view.Size}) lies outside storage {root.Key} of {storage.ElementCount} elements.");
        var size = storage.Dtype.ElementSize();
        return new PickledStorage(storage.Dtype, storage.Data.Slice((int)(view.Offset * size), (int)(view.Size * size)));
    }

    private static object? LoadNext(MemoryStream stream)
    {
        using var unpickler = new Unpickler();
        return unpickler.load(stream);
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry)
    {
        var content = new byte[entry.Length];
        using var stream = entry.Open();
        stream.ReadExactly(content);
        return content;
    }
}
