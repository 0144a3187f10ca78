using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Engine.Random;
using DragGan.Engine.Tests.Support;
using TorchSharp;

namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>The fixture pickle converted once to the native format, in float32 and float16.</summary>
public sealed class ConvertedFixture : IDisposable
{
    private readonly TempDirectory _directory = new();

    public ConvertedFixture()
    {
        Pickle = StyleGanPickleReader.Read(TestFixtures.TinyStyleGan2Pickle);
        NativePath = _directory.File("tiny.safetensors");
        NativeFloat16Path = _directory.File("tiny-fp16.safetensors");
        NativeCheckpointFormat.Write(Pickle, NativePath);
        NativeCheckpointFormat.Write(Pickle, NativeFloat16Path, new NativeCheckpointWriteOptions { Precision = NativeTensorPrecision.Float16 });
    }

    public GeneratorCheckpoint Pickle { get; }

    public string NativePath { get; }

    public string NativeFloat16Path { get; }

    public void Dispose()
    {
        Pickle.Dispose();
        _directory.Dispose();
    }
}

public sealed class NativeCheckpointFormatTests(ConvertedFixture fixture) : IClassFixture<ConvertedFixture>
{
    [Fact]
    public void PickleToNativeKeepsConfigAndEveryTensorExactly()
    {
        using var native = NativeCheckpointFormat.Read(fixture.NativePath);

        SmallCheckpoints.AssertSameTensors(fixture.Pickle, native);
        Assert.Equal(GeneratorLayout.For(native.Config).Select(s => s.Name), native.Tensors.Keys);
    }

    [Fact]
    public void GeneratorsFromPickleAndNativeComputeIdenticalOutputs()
    {
        using var native = NativeCheckpointFormat.Read(fixture.NativePath);
        using var fromPickle = StyleGan2Generator.Create(fixture.Pickle);
        using var fromNative = StyleGan2Generator.Create(native);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var z = torch.tensor(LegacyNumpyRandom.LatentZ(42, 512), [1, 512]);

        var wsPickle = fromPickle.Map(z, psi: 0.7);
        var wsNative = fromNative.Map(z, psi: 0.7);
        Assert.True(SmallCheckpoints.Identical(wsPickle, wsNative));

        var options = new SynthesisOptions { FeatureResolutions = [128] };
        using var imagePickle = fromPickle.Synthesize(wsPickle, options);
        using var imageNative = fromNative.Synthesize(wsNative, options);
        Assert.True(SmallCheckpoints.Identical(imagePickle.Image!, imageNative.Image!));
        Assert.True(SmallCheckpoints.Identical(imagePickle.Features[128], imageNative.Features[128]));
    }

    [Fact]
    public void Float16StoresRoundedValuesInHalfTheSpace()
    {
        using var half = NativeCheckpointFormat.Read(fixture.NativeFloat16Path);

        foreach (var (name, original) in fixture.Pickle.Tensors)
        {
            using var rounded = original.to(torch.ScalarType.Float16).to(torch.ScalarType.Float32);
            Assert.Equal(torch.ScalarType.Float32, half.Tensors[name].dtype);
            Assert.True(SmallCheckpoints.Identical(rounded, half.Tensors[name]), name);
        }
        var full = new FileInfo(fixture.NativePath).Length;
        var halfSize = new FileInfo(fixture.NativeFloat16Path).Length;
        Assert.InRange(halfSize, full * 0.49, full * 0.51);
        Assert.All(NativeCheckpointFormat.ReadInfo(fixture.NativeFloat16Path).Tensors, t => Assert.Equal("F16", t.DType));
    }

    [Fact]
    public void FileIsPlainSafetensorsWithConfigMetadataAndAlignedContiguousData()
    {
        var bytes = File.ReadAllBytes(fixture.NativePath);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLength) % 8);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength))!.AsObject();

        var metadata = header["__metadata__"]!.AsObject();
        Assert.Equal("2", (string?)metadata[NativeCheckpointFormat.FormatVersionKey]);
        var config = JsonNode.Parse((string)metadata[NativeCheckpointFormat.ConfigKey]!)!;
        Assert.Equal("stylegan2", (string)config["kind"]!);
        Assert.Equal(256, (int)config["img_resolution"]!);
        Assert.Equal(4096, (int)config["channel_base"]!);
        Assert.Equal(0.01f, (float)config["mapping_lr_multiplier"]!);

        // Every tensor is F32, and the entries tile the data section with no gap or overlap.
        var entries = header.Where(p => p.Key != "__metadata__")
            .Select(p => (Name: p.Key, Begin: (long)p.Value!["data_offsets"]![0]!, End: (long)p.Value!["data_offsets"]![1]!, DType: (string)p.Value!["dtype"]!))
            .OrderBy(e => e.Begin).ToArray();
        Assert.Equal(fixture.Pickle.Tensors.Count, entries.Length);
        Assert.All(entries, e => Assert.Equal("F32", e.DType));
        long expected = 0;
        foreach (var entry in entries)
        {
            Assert.Equal(expected, entry.Begin);
            expected = entry.End;
        }
        Assert.Equal(bytes.LongLength - 8 - headerLength, expected);

        var info = NativeCheckpointFormat.ReadInfo(fixture.NativePath);
        Assert.Equal(fixture.Pickle.Config, info.Config);
        Assert.Equal(8 + headerLength, info.DataOffset);
    }
}

/// <summary>Write options and every way a native file can be broken, on small random checkpoints.</summary>
public sealed class NativeCheckpointValidationTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void RoundTripsRandomCheckpointAndExtraMetadata()
    {
        var path = _directory.File("small.safetensors");
        using var original = SmallCheckpoints.Create(seed: 3);
        NativeCheckpointFormat.Write(original, path, new NativeCheckpointWriteOptions
        {
            Metadata = new Dictionary<string, string> { ["draggan.source_file"] = "x.pkl" },
        });

        using var read = NativeCheckpointFormat.Read(path);
        SmallCheckpoints.AssertSameTensors(original, read);
        Assert.Equal("x.pkl", NativeCheckpointFormat.ReadInfo(path).Metadata["draggan.source_file"]);
        Assert.Single(Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public void OverwritesAnExistingFile()
    {
        var path = _directory.File("small.safetensors");
        SmallCheckpoints.WriteNative(path, seed: 1);
        SmallCheckpoints.WriteNative(path, seed: 2);

        using var expected = SmallCheckpoints.Create(seed: 2);
        using var read = NativeCheckpointFormat.Read(path);
        SmallCheckpoints.AssertSameTensors(expected, read);
    }

    [Fact]
    public void WriteRejectsReservedMetadataKeysAndIncompleteCheckpoints()
    {
        using var original = SmallCheckpoints.Create();
        var reserved = new NativeCheckpointWriteOptions { Metadata = new Dictionary<string, string> { [NativeCheckpointFormat.ConfigKey] = "{}" } };
        Assert.Throws<ArgumentException>(() => NativeCheckpointFormat.Write(original, _directory.File("a.safetensors"), reserved));

        var partial = new GeneratorCheckpoint(original.Config, original.Tensors.Where(p => p.Key != "synthesis.b8.conv1.weight").ToDictionary());
        var error = Assert.Throws<ArgumentException>(() => NativeCheckpointFormat.Write(partial, _directory.File("b.safetensors")));
        Assert.Contains("synthesis.b8.conv1.weight", error.Message);
        Assert.Empty(Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => NativeCheckpointFormat.Read(_directory.File("none.safetensors")));
    }

    [Fact]
    public void TruncatedDataIsReported()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);

        var error = Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void TruncatedHeaderIsReported()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..5]);
        Assert.Contains("fewer than the 8-byte header length", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);

        File.WriteAllBytes(path, bytes[..200]);
        Assert.Contains("runs past the end", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);
    }

    [Fact]
    public void ImplausibleHeaderLengthIsReported()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue - 5);
        File.WriteAllBytes(path, bytes);

        Assert.Contains("not plausible", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);
    }

    [Fact]
    public void CorruptHeaderJsonIsReported()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        var bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'['; // the header's opening brace
        bytes[20] = 0xFF;
        File.WriteAllBytes(path, bytes);

        Assert.Contains("not valid JSON", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);
    }

    [Fact]
    public void MissingTensorIsNamed()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        RewriteHeader(path, header => header.Remove("synthesis.b16.torgb.bias"));

        var error = Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path));
        Assert.Contains("missing tensor 'synthesis.b16.torgb.bias'", error.Message);
    }

    [Fact]
    public void WrongShapeIsNamed()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        // Same element count, so the offsets still hold; only the shape is wrong.
        RewriteHeader(path, header => header["synthesis.b4.const"]!["shape"] = new JsonArray(32, 16, 1));

        var error = Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path));
        Assert.Contains("'synthesis.b4.const' has shape [32, 16, 1], expected [32, 4, 4]", error.Message);
    }

    [Fact]
    public void UnexpectedTensorIsNamed()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        RewriteHeader(path, header => header["synthesis.b4.extra"] = new JsonObject
        {
            ["dtype"] = "F32",
            ["shape"] = new JsonArray(0),
            ["data_offsets"] = new JsonArray(0, 0),
        });

        var error = Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path));
        Assert.Contains("'synthesis.b4.extra'", error.Message);
    }

    [Fact]
    public void OffsetsThatDoNotFitTheShapeOrFileAreReported()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        RewriteHeader(path, header => header["mapping.w_avg"]!["data_offsets"]![1] = (long)header["mapping.w_avg"]!["data_offsets"]![1]! + 4);
        Assert.Contains("'mapping.w_avg' has data_offsets", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);

        SmallCheckpoints.WriteNative(path);
        RewriteHeader(path, header =>
        {
            header["mapping.w_avg"]!["data_offsets"]![0] = 1_000_000_000;
            header["mapping.w_avg"]!["data_offsets"]![1] = 1_000_000_128;
        });
        Assert.Contains("truncated", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);

        SmallCheckpoints.WriteNative(path);
        RewriteHeader(path, header => header["mapping.w_avg"]!["data_offsets"] = header["mapping.fc0.bias"]!["data_offsets"]!.DeepClone());
        Assert.Contains("overlap", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);
    }

    [Fact]
    public void UnsupportedDtypeIsReported()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        RewriteHeader(path, header => header["mapping.w_avg"]!["dtype"] = "I32");

        Assert.Contains("dtype I32", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);
    }

    [Fact]
    public void PlainSafetensorsWithoutConfigIsNotAGeneratorCheckpoint()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        RewriteHeader(path, header => header.Remove("__metadata__"));

        Assert.Contains("not a DragGAN generator checkpoint", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);
    }

    [Fact]
    public void NewerFormatVersionIsRefused()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        RewriteHeader(path, header => header["__metadata__"]![NativeCheckpointFormat.FormatVersionKey] = "3");

        Assert.Contains("format_version 3", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);
    }

    [Fact]
    public void IncompleteOrInvalidConfigIsReported()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        RewriteHeader(path, header =>
        {
            var config = JsonNode.Parse((string)header["__metadata__"]![NativeCheckpointFormat.ConfigKey]!)!.AsObject();
            config.Remove("channel_base");
            header["__metadata__"]![NativeCheckpointFormat.ConfigKey] = config.ToJsonString();
        });
        Assert.Contains("channel_base", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);

        SmallCheckpoints.WriteNative(path);
        RewriteHeader(path, header =>
        {
            var config = JsonNode.Parse((string)header["__metadata__"]![NativeCheckpointFormat.ConfigKey]!)!.AsObject();
            config["img_resolution"] = 100;
            header["__metadata__"]![NativeCheckpointFormat.ConfigKey] = config.ToJsonString();
        });
        Assert.Contains("power of two", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.Read(path)).Message);
    }

    /// <summary>Rewrites a native file's JSON header, keeping its data section.</summary>
    private static void RewriteHeader(string path, Action<JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, headerLength))!.AsObject();
        edit(header);
        var newHeader = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var stream = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)newHeader.Length);
        stream.Write(length);
        stream.Write(newHeader);
        stream.Write(bytes, 8 + headerLength, bytes.Length - 8 - headerLength);
    }
}
