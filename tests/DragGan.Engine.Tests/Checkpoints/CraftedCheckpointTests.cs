using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using Xunit.Abstractions;

namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>
/// Small crafted files that ask a reader for gigabytes or for endless work: each is refused with a
/// <see cref="CheckpointFormatException"/>, promptly and without allocating more than a few
/// megabytes. A reader that hangs fails the test after <see cref="HangGuard"/> instead of hanging it.
/// The bounds are protections, not speed targets: an honest reader refuses these files in
/// milliseconds, one that does the work they ask for takes minutes or gigabytes. They run alone
/// (<see cref="SerialCollection"/>), because the allocation counters are the whole process's.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class CraftedCheckpointTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Far above what any of these files needs, far below what the crafted values ask for.</summary>
    private const long AllocationBudget = 16 << 20;

    /// <summary>
    /// Growth of the process's peak resident memory, native allocations (TorchSharp's tensors)
    /// included: room for the loader's code being compiled, far below the gigabytes asked for.
    /// </summary>
    private const long ResidentBudget = 128 << 20;

    /// <summary>How long a refusal may take: generous on a loaded machine, far below a walk of 2^60 paths.</summary>
    private static readonly TimeSpan RefusalBound = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task MappingLayersWithoutBound_InAPickle_IsRefused()
    {
        var builder = Tiny() with
        {
            EditKwargs = kwargs =>
            {
                ((Dictionary<string, object?>)kwargs["mapping_kwargs"]!)["num_layers"] = int.MaxValue;
                return kwargs;
            },
        };

        var error = await RefusedAsync(builder.Build(), "layers.pkl");

        Assert.Contains("mapping num_layers must be in 1..32, got 2147483647", error.Message);
    }

    [Fact]
    public async Task MappingLayersWithoutBound_InASafetensorsFile_IsRefused()
    {
        var config = JsonNode.Parse(GeneratorConfigJson.Serialize(NetworkPickleBuilder.TinyConfig))!.AsObject();
        config["mapping_layers"] = int.MaxValue;

        var error = await RefusedAsync(Safetensors(config.ToJsonString()), "layers.safetensors");

        Assert.Contains("mapping num_layers must be in 1..32, got 2147483647", error.Message);
    }

    [Theory]
    [InlineData("img_resolution", 1 << 30, "img_resolution must be a power of two in 4..4096")]
    [InlineData("w_dim", int.MaxValue, "w_dim must be in 1..4096")]
    [InlineData("channel_max", int.MaxValue, "channel_max must be in 1..4096")]
    [InlineData("img_channels", 1 << 20, "img_channels must be in 1..4")]
    public async Task ConfigValuesWithoutBound_AreRefused(string field, int value, string expected)
    {
        var config = JsonNode.Parse(GeneratorConfigJson.Serialize(NetworkPickleBuilder.TinyConfig))!.AsObject();
        config[field] = value;

        var error = await RefusedAsync(Safetensors(config.ToJsonString()), $"{field}.safetensors");

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task ZeroStrides_CannotStandForGigabytes()
    {
        // 4096-wide latents: eight 4096 x 4096 mapping weights, each a view of one stored float.
        var config = NetworkPickleBuilder.TinyConfig with { ZDim = 4096, WDim = 4096, MappingLayers = 8 };
        var builder = new NetworkPickleBuilder
        {
            Config = config,
            Tensors = GeneratorLayout.For(config).Select(s => new NamedArray(s.Name, s.Shape, [], s.IsBuffer)).ToList(),
            ZeroStrideViews = true,
        };
        var file = builder.Build();
        Assert.True(file.Length < 64 * 1024, $"the crafted file has {file.Length} bytes");

        var error = await RefusedAsync(file, "strides.pkl");

        Assert.Matches(@"size \[4096(, 4096)?\], stride \[0(, 0)?\]\) has \d+ elements, more than its storage of 1 \(zero or overlapping strides\)", error.Message);
    }

    [Fact]
    public async Task SharedChildModules_AreRefusedInsteadOfWalkedExponentially()
    {
        // Each module lists the next one twice: 2^60 paths through 60 modules.
        object? chain = Module([]);
        for (var depth = 0; depth < 60; depth++)
        {
            var shared = new PyShared(chain);
            chain = Module([new("a", shared), new("b", shared)]);
        }
        var top = new PyShared(chain);
        var generator = new PyCall("torch_utils.persistence", "_reconstruct_persistent_obj", new Dictionary<string, object?>
        {
            ["type"] = "class",
            ["class_name"] = "Generator",
            ["module_src"] = NetworkPickleBuilder.StyleGan2Source,
            ["state"] = new Dictionary<string, object?>
            {
                ["_parameters"] = new Dictionary<string, object?>(),
                ["_buffers"] = new Dictionary<string, object?>(),
                ["_modules"] = new Dictionary<string, object?> { ["a"] = top, ["b"] = top },
            },
        });

        var error = await RefusedAsync(PickleEmitter.Dump(new Dictionary<string, object?> { ["G_ema"] = generator }), "shared.pkl");

        Assert.Matches(@"module [ab.]+ is the same object as module [ab.]+; a StyleGAN2 generator shares no modules", error.Message);
    }

    [Fact]
    public async Task NestedLoadFromBytes_IsRefusedInsteadOfRecursing()
    {
        // Each storage stream hides the next one in its persistent id's location field.
        var storage = TorchStorageWriter.Legacy("FloatStorage", 1, new byte[4]);
        for (var depth = 0; depth < 200; depth++)
            storage = TorchStorageWriter.Legacy("FloatStorage", 1, new byte[4], location: new PyCall("torch.storage", "_load_from_bytes", storage));
        var tensor = new PyCall("torch._utils", "_rebuild_tensor_v2",
            new PyCall("torch.storage", "_load_from_bytes", storage), 0, new object?[] { 1L }, new object?[] { 1L }, false, null);

        var error = await RefusedAsync(PickleEmitter.Dump(new Dictionary<string, object?> { ["G_ema"] = tensor }), "nested.pkl");

        Assert.Contains("nests another torch.save stream", error.Message);
    }

    [Fact]
    public async Task ZipEntryDeclaringGigabytes_IsRefusedBeforeAllocating()
    {
        var zip = TorchStorageWriter.Zip("FloatStorage", 1, new byte[4]);
        DeclareUncompressedSize(zip, "archive/data.pkl", 0x7FFF_FF00);
        var storage = new PyCall("torch.storage", "_load_from_bytes", zip);

        var error = await RefusedAsync(PickleEmitter.Dump(new Dictionary<string, object?> { ["G_ema"] = storage }), "zip.pkl");

        Assert.Contains("declares 2147483392 bytes", error.Message);
    }

    [Fact]
    public async Task ZipEntryInflatingFarBeyondItsStream_WithinDeflatesRatio_IsRefusedBeforeAllocating()
    {
        // 64 MiB that deflate packs a few hundred to one: an honest ratio, so each entry passes the
        // ratio check, yet a stream of some hundred kilobytes would inflate to 64 MiB (2 GB from a
        // few megabytes). torch writes its entries uncompressed.
        const int floats = 16 << 20;
        var data = new byte[floats * sizeof(float)];
        for (var i = 0; i < data.Length; i += 251)
            data[i] = (byte)i;
        var zip = TorchStorageWriter.Zip("FloatStorage", floats, data, System.IO.Compression.CompressionLevel.Optimal);
        data = null;
        Assert.True(zip.Length < (1 << 20), $"the crafted stream is small ({zip.Length} bytes)");
        var storage = new PyCall("torch.storage", "_load_from_bytes", zip);

        var error = await RefusedAsync(PickleEmitter.Dump(new Dictionary<string, object?> { ["G_ema"] = storage }), "inflating.pkl");

        Assert.Contains("zip entry archive/data/0", error.Message);
        Assert.Contains("inflate", error.Message);
    }

    [Fact]
    public async Task PickleLengthDeclaringGigabytes_InALegacyStorage_IsRefusedBeforeAllocating()
    {
        // A legacy torch.save stream whose system-info pickle claims a 2 GB bytes value.
        var legacy = TorchStorageWriter.Legacy("FloatStorage", 1, new byte[4]);
        var header = PickleEmitter.Dump(System.Numerics.BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber), protocol: 2)
            .Concat(PickleEmitter.Dump(1001, protocol: 2)).ToArray();
        var lying = new byte[] { 0x80, 2, (byte)'B', 0x00, 0xFF, 0xFF, 0x7F, 1, 2, 3, (byte)'.' };
        var stream = header.Concat(lying).Concat(legacy[header.Length..]).ToArray();
        var storage = new PyCall("torch.storage", "_load_from_bytes", stream);

        var error = await RefusedAsync(PickleEmitter.Dump(new Dictionary<string, object?> { ["G_ema"] = storage }), "binbytes.pkl");

        Assert.Contains("declares a 2147483392-byte value", error.Message);
    }

    private static NetworkPickleBuilder Tiny() => new()
    {
        Config = NetworkPickleBuilder.TinyConfig,
        Tensors = NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig),
    };

    private static PyInstance Module(List<KeyValuePair<string, object?>> children) => new("torch.nn.modules.module", "Module", new Dictionary<string, object?>
    {
        ["_parameters"] = new Dictionary<string, object?>(),
        ["_buffers"] = new Dictionary<string, object?>(),
        ["_modules"] = children,
    });

    /// <summary>
    /// Loads the file as the services do, on a worker thread whose allocations are counted, and
    /// returns the format error; a load still running after <see cref="HangGuard"/> fails the test.
    /// </summary>
    private async Task<CheckpointFormatException> RefusedAsync(byte[] content, string name)
    {
        var path = _directory.File(name);
        await File.WriteAllBytesAsync(path, content);
        var load = Task.Run(() =>
        {
            var resident = PeakResidentMemory.Reset();
            // Every thread's managed allocations: a reader that hands work to other threads is counted too.
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var clock = Stopwatch.StartNew();
            var error = Record.Exception(() => CheckpointLoader.Load(path).Dispose());
            return (Error: error, Elapsed: clock.Elapsed, Allocated: GC.GetTotalAllocatedBytes(precise: true) - before,
                ResidentGrowth: PeakResidentMemory.Read() - resident);
        });
        var (error, elapsed, allocated, residentGrowth) = await load.WaitAsync(HangGuard);
        output.WriteLine($"{name}: {content.Length} bytes, refused in {elapsed.TotalMilliseconds:0} ms with {allocated / 1024} KiB allocated, " +
            $"peak resident memory +{residentGrowth / 1024} KiB: {error?.Message}");

        var refused = Assert.IsType<CheckpointFormatException>(error);
        Assert.True(elapsed < RefusalBound, $"{name} took {elapsed.TotalMilliseconds:0} ms to be refused");
        Assert.True(allocated < AllocationBudget, $"{name} allocated {allocated} bytes before it was refused");
        Assert.True(residentGrowth < ResidentBudget, $"{name} grew the peak resident memory by {residentGrowth} bytes before it was refused");
        return refused;
    }

    /// <summary>A safetensors file with no tensors whose metadata holds <paramref name="configJson"/>.</summary>
    private static byte[] Safetensors(string configJson)
    {
        var header = new JsonObject
        {
            ["__metadata__"] = new JsonObject
            {
                [NativeCheckpointFormat.FormatVersionKey] = NativeCheckpointFormat.CurrentFormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [NativeCheckpointFormat.ConfigKey] = configJson,
            },
        };
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var file = new byte[8 + json.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        return file;
    }

    /// <summary>Rewrites an entry's uncompressed size in its local header and in the central directory.</summary>
    private static void DeclareUncompressedSize(byte[] zip, string entry, uint size)
    {
        var name = Encoding.ASCII.GetBytes(entry);
        var patched = 0;
        for (var i = 0; i + 46 < zip.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            var (nameLengthOffset, nameOffset, sizeOffset) = signature switch
            {
                0x04034b50 => (26, 30, 22), // local file header
                0x02014b50 => (28, 46, 24), // central directory header
                _ => (0, 0, 0),
            };
            if (nameOffset > 0
                && BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + nameLengthOffset)) == name.Length
                && zip.AsSpan(i + nameOffset, name.Length).SequenceEqual(name))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + sizeOffset), size);
                patched++;
            }
        }
        Assert.Equal(2, patched);
    }
}
