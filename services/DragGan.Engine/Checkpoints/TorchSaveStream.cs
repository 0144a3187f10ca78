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
/// zip form (<c>*/data.pkl</c> plus <c>*/data/&lt;key&gt;</c>, stored uncompressed). Storage bytes
/// stay slices of the input.
/// </summary>
/// <remarks>
/// What a crafted stream declares is never allocated before it is checked against the bytes that
/// are there: each legacy pickle is measured first (<see cref="PickleExtent"/>), a zip entry may not
/// claim more than its compressed bytes can hold, and all entries of one zip stream together inflate
/// to at most <see cref="MaxInflation"/> times the stream's length (entries may share compressed
/// bytes, and deflate packs a few megabytes into gigabytes within its ratio). A storage stream cannot nest another
/// one: its pickle only names storages, and <c>_load_from_bytes</c> inside it would recurse once
/// per nested copy.
/// </remarks>
internal static class TorchSaveStream
{
    private static readonly BigInteger LegacyMagic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
    private const int LegacyProtocolVersion = 1001;

    /// <summary>Deflate's best ratio is about 1032:1; an entry that claims more is lying.</summary>
    private const long MaxCompressionRatio = 1032;

    /// <summary>
    /// How many times its own length one zip stream may inflate to, all entries together. torch
    /// stores its entries uncompressed (1x); a recompressed stream of tensors deflates far less than this.
    /// </summary>
    private const long MaxInflation = 16;

    /// <summary>What any zip stream may inflate to, however small: its pickle and a few small storages.</summary>
    private const long MinInflationBudget = 64 << 10;

    [ThreadStatic]
    private static bool t_reading;

    public static PickledStorage ReadStorage(byte[] bytes)
    {
        if (t_reading)
            throw new CheckpointFormatException("a tensor storage nests another torch.save stream (_load_from_bytes inside _load_from_bytes).");
        t_reading = true;
        try
        {
            return IsZip(bytes) ? ReadZip(bytes) : ReadLegacy(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException($"a zip torch.save stream is corrupt ({e.Message}).", e);
        }
        finally
        {
            t_reading = false;
        }
    }

    public static bool IsZip(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 4 && bytes[0] == 'P' && bytes[1] == 'K' && bytes[2] == 3 && bytes[3] == 4;

    private static PickledStorage ReadLegacy(byte[] bytes)
    {
        var position = 0;
        if (LoadNext(bytes, ref position) is not BigInteger magic || magic != LegacyMagic)
            throw new CheckpointFormatException("a tensor storage is not a torch.save stream (bad magic number).");
        if (LoadNext(bytes, ref position) is not int version || version != LegacyProtocolVersion)
            throw new CheckpointFormatException($"a tensor storage uses an unsupported torch.save protocol (expected {LegacyProtocolVersion}).");
        if (LoadNext(bytes, ref position) is not Hashtable sysInfo || sysInfo["little_endian"] is not true)
            throw new CheckpointFormatException("a tensor storage was saved big-endian or without system info; only little-endian storages are supported.");

        var unpickler = new StorageUnpickler();
        var root = LoadNext(bytes, ref position, unpickler) as StorageRequest
            ?? throw new CheckpointFormatException("a torch.save stream inside the pickle does not hold a storage.");
        if (LoadNext(bytes, ref position) is not IList keys)
            throw new CheckpointFormatException("a torch.save stream has no storage key list.");

        var data = new Dictionary<string, PickledStorage>(StringComparer.Ordinal);
        foreach (var key in keys.Cast<object>().Select(k => k as string ?? k.ToString()!))
        {
            if (!unpickler.Requests.TryGetValue(key, out var request))
                throw new CheckpointFormatException($"a torch.save stream lists storage {key} that its pickle never uses.");
            if (position + sizeof(long) > bytes.Length)
                throw new CheckpointFormatException($"a torch.save stream ends before storage {key}.");
            var count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(position));
            position += sizeof(long);
            if (count != request.ElementCount)
                throw new CheckpointFormatException($"storage {key} has {count} elements in its data but {request.ElementCount} in its pickle.");
            var remaining = bytes.Length - position;
            if (count < 0 || count > remaining / request.Dtype.ElementSize())
                throw new CheckpointFormatException($"storage {key} needs {count} elements of {request.Dtype.ElementSize()} bytes but only {remaining} bytes remain.");
            var length = count * request.Dtype.ElementSize();
            data[key] = new PickledStorage(request.Dtype, bytes.AsMemory(position, checked((int)length)));
            position += (int)length;
        }
        return Resolve(root, data);
    }

    private static PickledStorage ReadZip(byte[] bytes)
    {
        using var archive = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        var pickle = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
            ?? throw new CheckpointFormatException("a zip torch.save stream has no data.pkl.");
        var prefix = pickle.FullName[..^"data.pkl".Length];
        var budget = new InflationBudget(Math.Max(bytes.LongLength * MaxInflation, MinInflationBudget));
        var byteOrder = archive.GetEntry(prefix + "byteorder");
        if (byteOrder is not null && ReadEntry(byteOrder, bytes.Length, budget) is var order && System.Text.Encoding.ASCII.GetString(order) != "little")
            throw new CheckpointFormatException("a zip torch.save stream was saved big-endian; only little-endian storages are supported.");

        var unpickler = new StorageUnpickler();
        var root = unpickler.loads(ReadEntry(pickle, bytes.Length, budget)) as StorageRequest
            ?? throw new CheckpointFormatException("a zip torch.save stream inside the pickle does not hold a storage.");
        var data = new Dictionary<string, PickledStorage>(StringComparer.Ordinal);
        foreach (var request in unpickler.Requests.Values)
        {
            var entry = archive.GetEntry($"{prefix}data/{request.Key}")
                ?? throw new CheckpointFormatException($"a zip torch.save stream has no data for storage {request.Key}.");
            var content = ReadEntry(entry, bytes.Length, budget);
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

    /// <summary>Unpickles the pickle at <paramref name="position"/> (with <paramref name="unpickler"/>, or a plain one) and moves past it.</summary>
    private static object? LoadNext(byte[] bytes, ref int position, Unpickler? unpickler = null)
    {
        var length = PickleExtent.Measure(bytes.AsSpan(position));
        var pickle = bytes.AsSpan(position, length).ToArray();
        position += length;
        if (unpickler is not null)
            return unpickler.loads(pickle);
        using var plain = new Unpickler();
        return plain.loads(pickle);
    }

    /// <summary>
    /// An entry's bytes, once its declared size is shown to fit what the archive holds and what is
    /// left of <paramref name="budget"/>. The entry's stream is read for its declared size only, so
    /// the bytes inflated are those declared.
    /// </summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, long archiveLength, InflationBudget budget)
    {
        if (entry.CompressedLength > archiveLength || entry.Length > Math.Max(entry.CompressedLength, 1) * MaxCompressionRatio)
            throw new CheckpointFormatException(
                $"zip entry {entry.FullName} of a torch.save stream declares {entry.Length} bytes from {entry.CompressedLength} stored, more than a {archiveLength}-byte archive can hold.");
        if (!budget.TryTake(entry.Length))
            throw new CheckpointFormatException(
                $"zip entry {entry.FullName} of a torch.save stream declares {entry.Length} bytes, which would inflate the {archiveLength}-byte stream " +
                $"past {budget.Total} bytes ({MaxInflation} times its length); torch stores these entries uncompressed.");
        var content = new byte[entry.Length];
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(content);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new CheckpointFormatException($"zip entry {entry.FullName} of a torch.save stream is corrupt or truncated ({e.Message}).", e);
        }
        return content;
    }

    /// <summary>The bytes one zip stream's entries may still inflate to.</summary>
    private sealed class InflationBudget(long total)
    {
        private long _left = total;

        public long Total { get; } = total;

        public bool TryTake(long bytes)
        {
            if (bytes > _left)
                return false;
            _left -= bytes;
            return true;
        }
    }
}
