using System.Buffers.Binary;
using System.Text.Json;
using DragGan.Engine.Networks;
using Microsoft.Win32.SafeHandles;
using static TorchSharp.torch;

namespace DragGan.Engine.Checkpoints;

/// <summary>Element type of the tensors in a native checkpoint.</summary>
public enum NativeTensorPrecision
{
    Float32,

    /// <summary>Half the size; values are rounded to float16 (the generator computes in float32 after loading).</summary>
    Float16,
}

/// <summary>How <see cref="NativeCheckpointFormat.Write"/> stores a checkpoint.</summary>
public sealed record NativeCheckpointWriteOptions
{
    public NativeTensorPrecision Precision { get; init; } = NativeTensorPrecision.Float32;

    /// <summary>Extra string metadata (e.g. where the weights came from); may not use the reserved keys.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>One tensor entry of a native checkpoint's header; offsets are relative to the data section.</summary>
public sealed record NativeTensorInfo(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>What a native checkpoint's header says, read and validated without reading tensor data.</summary>
public sealed record NativeCheckpointInfo(
    GeneratorConfig Config,
    int FormatVersion,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyList<NativeTensorInfo> Tensors,
    long DataOffset,
    long FileLength);

/// <summary>
/// The product's own checkpoint format: a safetensors file (<c>.safetensors</c>) that any
/// safetensors reader can open. Layout: an unsigned 64-bit little-endian header length N, N bytes
/// of UTF-8 JSON <c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}</c>
/// padded with spaces so the data section starts 8-byte aligned, then the raw little-endian tensor
/// data, back to back in the official layout order. All tensors share one dtype (F32, or F16 as an
/// option), so each one starts aligned to its element size. <c>__metadata__</c> holds
/// <see cref="FormatVersionKey"/> and the generator config as JSON under <see cref="ConfigKey"/>;
/// tensors carry the official state-dict names.
/// </summary>
/// <remarks>
/// TorchSharp.PyBridge's safetensors support was considered: its <c>Safetensors</c> class reads
/// and writes only the tensor dictionary (no <c>__metadata__</c>), so this reader and writer are
/// our own. Reading copies each tensor's bytes from the file straight into the tensor's memory,
/// one positional read per tensor, with no per-element work.
/// </remarks>
public static class NativeCheckpointFormat
{
    public const string Extension = ".safetensors";
    public const string FormatVersionKey = "format_version";
    public const string ConfigKey = "draggan.generator_config";
    /// <summary>2: the config names the generator's kind (<see cref="GeneratorConfigJson"/>); 1: StyleGAN2 only.</summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>Headers above this size are rejected as corrupt (the reference safetensors library uses the same bound).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataEntry = "__metadata__";
    private const int Alignment = 8;

    /// <summary>
    /// Writes <paramref name="checkpoint"/> to <paramref name="path"/> (through a temporary file
    /// in the same folder, renamed into place). The checkpoint must match the official layout of
    /// its config.
    /// </summary>
    /// <exception cref="ArgumentException">The checkpoint does not match its layout, metadata uses a reserved key, or a value overflows float16.</exception>
    public static void Write(GeneratorCheckpoint checkpoint, string path, NativeCheckpointWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureLittleEndian();
        options ??= new NativeCheckpointWriteOptions();

        var config = checkpoint.Config;
        config.Validate();
        var mismatch = LayoutCheck.FindMismatch(config, checkpoint.Tensors.ToDictionary(p => p.Key, p => p.Value.shape));
        if (mismatch is not null)
            throw new ArgumentException($"Checkpoint does not match its config: {mismatch}.", nameof(checkpoint));

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatVersionKey] = CurrentFormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ConfigKey] = GeneratorConfigJson.Serialize(config),
        };
        foreach (var (key, value) in options.Metadata ?? new Dictionary<string, string>())
        {
            if (!metadata.TryAdd(key, value))
                throw new ArgumentException($"Metadata key '{key}' is reserved.", nameof(options));
        }

        var (dtype, dtypeName, elementSize) = options.Precision switch
        {
            NativeTensorPrecision.Float32 => (ScalarType.Float32, "F32", 4L),
            NativeTensorPrecision.Float16 => (ScalarType.Float16, "F16", 2L),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Precision, "Unknown precision."),
        };

        var layout = GeneratorLayout.For(config);
        var entries = new List<NativeTensorInfo>(layout.Count);
        long offset = 0;
        foreach (var spec in layout)
        {
            var size = checked(spec.Shape.Aggregate(1L, (a, b) => a * b) * elementSize);
            entries.Add(new NativeTensorInfo(spec.Name, dtypeName, spec.Shape, offset, offset + size));
            offset += size;
        }

        var header = BuildHeader(metadata, entries);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var entry in entries)
                {
                    using var scope = NewDisposeScope();
                    var source = checkpoint.Tensors[entry.Name].detach();
                    var converted = source.to(dtype, CPU).contiguous();
                    if (dtype == ScalarType.Float16 && !converted.isfinite().all().item<bool>() && source.isfinite().all().item<bool>())
                        throw new ArgumentException($"Tensor '{entry.Name}' has values outside the float16 range; write it as float32.", nameof(options));
                    var bytes = converted.bytes;
                    if (bytes.Length != entry.End - entry.Begin)
                        throw new InvalidOperationException($"Tensor '{entry.Name}' has {bytes.Length} bytes, expected {entry.End - entry.Begin}.");
                    stream.Write(bytes);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }
    }

    /// <summary>Reads and validates the header only: config, metadata and tensor entries.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointFormatException">The file is not a valid native checkpoint; the message says why.</exception>
    public static NativeCheckpointInfo ReadInfo(string path)
    {
        using var handle = OpenRead(path);
        return ReadInfo(handle, path);
    }

    /// <summary>Reads a native checkpoint: float32 tensors on the CPU, in the official layout order.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointFormatException">The file is not a valid native checkpoint (corrupt or truncated header, missing tensor, wrong shape, ...); the message says why.</exception>
    public static GeneratorCheckpoint Read(string path)
    {
        EnsureLittleEndian();
        using var handle = OpenRead(path);
        var info = ReadInfo(handle, path);

        var tensors = new Dictionary<string, Tensor>(info.Tensors.Count, StringComparer.Ordinal);
        try
        {
            foreach (var entry in info.Tensors)
                tensors.Add(entry.Name, ReadTensor(handle, path, info.DataOffset, entry));
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
        return new GeneratorCheckpoint(info.Config, tensors);
    }

    /// <summary>Whether the file's first bytes look like a safetensors header (a plausible length, then '{').</summary>
    public static bool HasNativeSignature(ReadOnlySpan<byte> prefix, long fileLength)
    {
        if (prefix.Length < 9)
            return false;
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        return headerLength >= 2 && headerLength <= MaxHeaderBytes && (long)headerLength <= fileLength - 8 && prefix[8] == (byte)'{';
    }

    private static SafeFileHandle OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    private static NativeCheckpointInfo ReadInfo(SafeFileHandle handle, string path)
    {
        var fileLength = RandomAccess.GetLength(handle);
        if (fileLength < 8)
            throw Corrupt(path, $"the file has {fileLength} bytes, fewer than the 8-byte header length");

        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(handle, path, lengthBytes, 0);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength < 2 || headerLength > MaxHeaderBytes)
            throw Corrupt(path, $"header length {headerLength} is not plausible (not a safetensors file?)");
        if ((long)headerLength > fileLength - 8)
            throw Corrupt(path, $"header length {headerLength} runs past the end of the {fileLength}-byte file (truncated?)");

        var headerBytes = new byte[headerLength];
        ReadExactly(handle, path, headerBytes, 8);
        var dataOffset = 8 + (long)headerLength;
        var dataLength = fileLength - dataOffset;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerBytes);
        }
        catch (JsonException e)
        {
            throw Corrupt(path, $"the header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                throw Corrupt(path, "the header is not a JSON object");

            Dictionary<string, string>? metadata = null;
            var entries = new List<NativeTensorInfo>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw Corrupt(path, $"the header names '{property.Name}' twice");
                if (property.Name == MetadataEntry)
                    metadata = ParseMetadata(path, property.Value);
                else
                    entries.Add(ParseEntry(path, property.Name, property.Value, dataLength));
            }

            CheckNoOverlap(path, entries);

            if (metadata is null || !metadata.TryGetValue(ConfigKey, out var configJson))
                throw new CheckpointFormatException(
                    $"'{path}' is a safetensors file but not a DragGAN generator checkpoint: its __metadata__ has no '{ConfigKey}'.");
            if (!metadata.TryGetValue(FormatVersionKey, out var versionText) ||
                !int.TryParse(versionText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) ||
                version < 1)
                throw Corrupt(path, $"__metadata__ has no valid '{FormatVersionKey}'");
            if (version > CurrentFormatVersion)
                throw new CheckpointFormatException(
                    $"'{path}' has format_version {version}; this build reads format_version {CurrentFormatVersion} or older.");

            GeneratorConfig config;
            try
            {
                config = GeneratorConfigJson.Deserialize(configJson, version);
            }
            catch (CheckpointFormatException e)
            {
                throw new CheckpointFormatException($"'{path}': {e.Message}", e);
            }

            var mismatch = LayoutCheck.FindMismatch(config, entries.ToDictionary(e => e.Name, e => e.Shape, StringComparer.Ordinal));
            if (mismatch is not null)
                throw new CheckpointFormatException($"'{path}' does not match its generator config: {mismatch}.");

            // Hand the tensors back in layout order.
            var byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
            var ordered = GeneratorLayout.For(config).Select(spec => byName[spec.Name]).ToArray();
            return new NativeCheckpointInfo(config, version, metadata, ordered, dataOffset, fileLength);
        }
    }

    private static Dictionary<string, string> ParseMetadata(string path, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Corrupt(path, "__metadata__ is not a JSON object");
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Corrupt(path, $"__metadata__ value '{item.Name}' is not a string");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Corrupt(path, $"__metadata__ names '{item.Name}' twice");
        }
        return metadata;
    }

    private static NativeTensorInfo ParseEntry(string path, string name, JsonElement element, long dataLength)
    {
        if (element.ValueKind != JsonValueKind.Object ||
            !element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String ||
            !element.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array ||
            !element.TryGetProperty("data_offsets", out var offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array)
            throw Corrupt(path, $"tensor '{name}' needs dtype, shape and data_offsets");

        var dtype = dtypeElement.GetString()!;
        var elementSize = ElementSize(dtype) ??
            throw new CheckpointFormatException($"'{path}': tensor '{name}' has dtype {dtype}; supported are F32, F16, BF16 and F64.");

        var shape = new long[shapeElement.GetArrayLength()];
        var i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var value) || value < 0)
                throw Corrupt(path, $"tensor '{name}' has an invalid shape");
            shape[i++] = value;
        }

        if (offsetsElement.GetArrayLength() != 2)
            throw Corrupt(path, $"tensor '{name}' needs data_offsets [begin, end]");
        var begin = ReadOffset(path, name, offsetsElement[0]);
        var end = ReadOffset(path, name, offsetsElement[1]);

        long expectedBytes;
        try
        {
            expectedBytes = checked(shape.Aggregate(1L, (a, b) => a * b) * elementSize);
        }
        catch (OverflowException)
        {
            throw Corrupt(path, $"tensor '{name}' has an impossibly large shape");
        }
        if (end < begin || end - begin != expectedBytes)
            throw Corrupt(path, $"tensor '{name}' has data_offsets [{begin}, {end}], which do not hold {expectedBytes} bytes of {dtype} {LayoutCheck.Format(shape)}");
        if (end > dataLength)
            throw Corrupt(path, $"tensor '{name}' ends at byte {end} of the data section, which has only {dataLength} bytes (truncated?)");
        return new NativeTensorInfo(name, dtype, shape, begin, end);
    }

    private static long ReadOffset(string path, string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var value) || value < 0)
            throw Corrupt(path, $"tensor '{name}' has invalid data_offsets");
        return value;
    }

    private static void CheckNoOverlap(string path, List<NativeTensorInfo> entries)
    {
        NativeTensorInfo? previous = null;
        foreach (var entry in entries.Where(e => e.End > e.Begin).OrderBy(e => e.Begin))
        {
            if (previous is not null && entry.Begin < previous.End)
                throw Corrupt(path, $"tensors '{previous.Name}' and '{entry.Name}' overlap in the data section");
            previous = entry;
        }
    }

    private static Tensor ReadTensor(SafeFileHandle handle, string path, long dataOffset, NativeTensorInfo entry)
    {
        var stored = entry.DType switch
        {
            "F32" => ScalarType.Float32,
            "F16" => ScalarType.Float16,
            "BF16" => ScalarType.BFloat16,
            "F64" => ScalarType.Float64,
            _ => throw new CheckpointFormatException($"'{path}': tensor '{entry.Name}' has unsupported dtype {entry.DType}."),
        };
        var tensor = empty(entry.Shape, stored);
        try
        {
            ReadExactly(handle, path, tensor.bytes, dataOffset + entry.Begin);
            if (stored == ScalarType.Float32)
                return tensor;
            using (tensor)
                return tensor.to(ScalarType.Float32);
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private static void ReadExactly(SafeFileHandle handle, string path, Span<byte> buffer, long offset)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[filled..], offset + filled);
            if (read == 0)
                throw Corrupt(path, $"the file ends at byte {offset + filled}, before the data the header describes (truncated?)");
            filled += read;
        }
    }

    private static int? ElementSize(string dtype) => dtype switch
    {
        "F32" => 4,
        "F16" or "BF16" => 2,
        "F64" => 8,
        _ => null,
    };

    private static byte[] BuildHeader(Dictionary<string, string> metadata, List<NativeTensorInfo> entries)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(MetadataEntry);
            foreach (var (key, value) in metadata)
                writer.WriteString(key, value);
            writer.WriteEndObject();
            foreach (var entry in entries)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", entry.DType);
                writer.WriteStartArray("shape");
                foreach (var dim in entry.Shape)
                    writer.WriteNumberValue(dim);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(entry.Begin);
                writer.WriteNumberValue(entry.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        // Pad with spaces (valid trailing JSON whitespace) so that 8 + header length is a multiple of 8.
        var length = (int)buffer.Length;
        var padded = (8 + length + Alignment - 1) / Alignment * Alignment - 8;
        for (var i = length; i < padded; i++)
            buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    private static CheckpointFormatException Corrupt(string path, string reason, Exception? inner = null) =>
        inner is null
            ? new CheckpointFormatException($"'{path}' is not a valid native checkpoint: {reason}.")
            : new CheckpointFormatException($"'{path}' is not a valid native checkpoint: {reason}.", inner);

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Native checkpoints are read and written on little-endian machines only.");
    }
}
