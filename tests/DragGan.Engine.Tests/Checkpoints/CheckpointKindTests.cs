using System.Diagnostics;
using System.Text.Json.Nodes;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;
using static DragGan.Engine.Tests.Checkpoints.TfPickleNodes;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>
/// Checkpoint kinds beyond StyleGAN2-ADA: told apart by content whatever the file is called,
/// converted to the native format and back without a change, shown by <c>draggan-model inspect</c>,
/// and broken or crafted files of each kind refused with <see cref="CheckpointFormatException"/>
/// promptly and without large allocations.
/// </summary>
public sealed class CheckpointKindTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Crafted files are small: each is refused within a second.</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A truncated copy of a real checkpoint is read up to where it ends, so its refusal takes time in
    /// proportion to its megabytes (measured 1.2 to 2.2 s for 4.5 to 9 MB on two busy cores), not forever.
    /// </summary>
    private static readonly TimeSpan ProportionalToTheBytes = TimeSpan.FromSeconds(10);
    private const long AllocationBudget = 16 << 20;

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    public static TheoryData<string, GeneratorKind> Pickles => new()
    {
        { TestFixtures.StyleGanHumanPickle, GeneratorKind.StyleGanHuman },
        { TestFixtures.StyleGan2TfPickle, GeneratorKind.StyleGan2Tf },
        { TestFixtures.TinyStyleGan2Pickle, GeneratorKind.StyleGan2 },
    };

    /// <summary>The official renderer would take each of these for the kind its folder names; the content decides here.</summary>
    [Theory]
    [InlineData("human", "stylegan2-models/stylegan3-like.pkl", GeneratorKind.StyleGanHuman)]
    [InlineData("tf", "stylegan_human/cats.pkl", GeneratorKind.StyleGan2Tf)]
    [InlineData("stylegan2", "stylegan_human-and-stylegan3/model.pkl", GeneratorKind.StyleGan2)]
    public void TheKindComesFromTheContentNotTheFileName(string fixture, string misleadingPath, GeneratorKind expected)
    {
        var source = fixture switch
        {
            "human" => TestFixtures.StyleGanHumanPickle,
            "tf" => TestFixtures.StyleGan2TfPickle,
            _ => TestFixtures.TinyStyleGan2Pickle,
        };
        var path = _directory.File(misleadingPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Copy(source, path);

        using var checkpoint = CheckpointLoader.Load(path);
        Assert.Equal(expected, checkpoint.Kind);
    }

    [Theory]
    [MemberData(nameof(Pickles))]
    public void PickleToNativeAndBackKeepsTheKindTheTensorsAndTheOutputs(string pickle, GeneratorKind kind)
    {
        using var original = CheckpointLoader.Load(pickle);
        Assert.Equal(kind, original.Kind);
        var native = _directory.File("converted.safetensors");
        NativeCheckpointFormat.Write(original, native);
        using var reread = CheckpointLoader.Load(native);

        Assert.Equal(kind, NativeCheckpointFormat.ReadInfo(native).Config.Kind);
        SmallCheckpoints.AssertSameTensors(original, reread);

        using var scope = NewDisposeScope();
        using var fromPickle = GeneratorFactory.Create(original);
        using var fromNative = GeneratorFactory.Create(reread);
        var ws = fromPickle.Map(torch.randn(2, fromPickle.ZDim, generator: new torch.Generator(3)), psi: 0.7);
        using var a = fromPickle.Synthesize(ws, new SynthesisOptions { DragFeature = true });
        using var b = fromNative.Synthesize(ws, new SynthesisOptions { DragFeature = true });
        Assert.Equal(0, ReferenceOutputs.MaxAbsDifference(a.Image!, b.Image!));
        Assert.Equal(0, ReferenceOutputs.MaxAbsDifference(a.DragFeature!, b.DragFeature!));
        Assert.Equal(0, ReferenceOutputs.MaxAbsDifference(fromPickle.Map(torch.ones(1, 512)), fromNative.Map(torch.ones(1, 512))));
        Assert.Equal(fromPickle.Content, fromNative.Content);
    }

    [Theory]
    [InlineData("human", "stylegan_human: StyleGAN-Human", "content       128x256 at x 64, y 0")]
    [InlineData("tf", "stylegan2_tf: StyleGAN2 (TF-era pickle, converted)", "TF-era network pickle (Gs, converted)")]
    [InlineData("sg3", "stylegan3_t: StyleGAN3-T", "layers        15 (L0_36_32 L1_36_32 L2_36_32 L3_52_32 L4_52_32 L5_84_32 L6_84_32")]
    public void InspectShowsTheKindOfPicklesAndNativeFiles(string fixture, string kindLine, string detail)
    {
        var pickle = fixture switch
        {
            "human" => TestFixtures.StyleGanHumanPickle,
            "tf" => TestFixtures.StyleGan2TfPickle,
            _ => TestFixtures.TinyStyleGan3Pickle,
        };
        var (code, stdout, stderr) = ModelToolRunner.Run("inspect", pickle);
        Assert.True(code == 0, stderr);
        Assert.Contains($"kind          {kindLine}", stdout);
        Assert.Contains(detail, stdout);

        var native = _directory.File($"{fixture}.safetensors");
        var converted = ModelToolRunner.Run("convert", pickle, native);
        Assert.True(converted.Code == 0, converted.Stderr);
        (code, stdout, stderr) = ModelToolRunner.Run("inspect", native);
        Assert.True(code == 0, stderr);
        Assert.Contains($"kind          {kindLine}", stdout);
        Assert.Contains("format_version 2", stdout);
        Assert.Equal(fixture == "sg3", stdout.Contains("precision     float32 on every device"));
        Assert.Equal(fixture != "sg3", stdout.Contains("num_fp16_res"));
    }

    [Theory]
    [InlineData("human", 0.001)]
    [InlineData("human", 0.5)]
    [InlineData("human", 0.999)]
    [InlineData("tf", 0.001)]
    [InlineData("tf", 0.5)]
    [InlineData("tf", 0.999)]
    public void TruncatedPicklesOfEachKindAreRefusedPromptly(string fixture, double kept)
    {
        var source = File.ReadAllBytes(fixture == "human" ? TestFixtures.StyleGanHumanPickle : TestFixtures.StyleGan2TfPickle);
        var error = Refused(source[..(int)(source.Length * kept)], $"{fixture}-truncated.pkl", checkAllocation: false, limit: ProportionalToTheBytes);
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData("human")]
    [InlineData("tf")]
    public void TruncatedNativeFilesOfEachKindAreRefused(string fixture)
    {
        using var checkpoint = CheckpointLoader.Load(fixture == "human" ? TestFixtures.StyleGanHumanPickle : TestFixtures.StyleGan2TfPickle);
        var native = _directory.File("whole.safetensors");
        NativeCheckpointFormat.Write(checkpoint, native);
        var bytes = File.ReadAllBytes(native);
        var error = Refused(bytes[..(bytes.Length - 1000)], $"{fixture}-truncated.safetensors", checkAllocation: false, limit: ProportionalToTheBytes);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void AnUnknownTensorFlowKwargIsRefusedAsTheOfficialConverterRefusesIt()
    {
        var kwargs = Kwargs();
        kwargs["dlatent_broadcast"] = 14;
        var error = Refused(Pickle(kwargs, []), "unknown-kwarg.pkl");
        Assert.Contains("unknown TensorFlow kwarg 'dlatent_broadcast'", error.Message);
    }

    [Fact]
    public void AProgressiveGrowingTfPickleIsRefusedAsConfigsAToD()
    {
        var error = Refused(Pickle(Kwargs(), [Variable("ToRGB_lod0/weight", 1, 1, 16, 3), Variable("dlatent_avg", 512)]), "config-d.pkl");
        Assert.Contains("progressive-growing", error.Message);
        Assert.Contains("configs A-D", error.Message);
    }

    [Fact]
    public void ATfPickleBeforeVersion4IsRefused()
    {
        var error = Refused(Pickle(Kwargs(), [], version: 3), "old.pkl");
        Assert.Contains("version 3", error.Message);
    }

    [Fact]
    public void ATfPickleOfAnotherArchitectureIsRefused()
    {
        var kwargs = Kwargs();
        kwargs["architecture"] = "resnet";
        var error = Refused(Pickle(kwargs, []), "resnet.pkl");
        Assert.Contains("architecture 'resnet'", error.Message);
    }

    [Fact]
    public void ATfConfigValueWithoutBoundIsRefused()
    {
        var kwargs = Kwargs();
        kwargs["mapping_layers"] = int.MaxValue;
        var error = Refused(Pickle(kwargs, []), "layers.pkl");
        Assert.Contains("mapping num_layers must be in 1..32", error.Message);
    }

    [Fact]
    public void ATfPickleMissingAVariableIsRefusedNamingIt()
    {
        var error = Refused(Pickle(Kwargs(), [Variable("dlatent_avg", 512)]), "missing.pkl");
        Assert.Contains("has no variable mapping/Dense0/weight", error.Message);
    }

    [Fact]
    public void AnArrayThatDeclaresMoreThanItsBytesIsRefusedBeforeAllocating()
    {
        // 2^40 elements declared, 16 bytes present.
        var error = Refused(Pickle(Kwargs(), [Variable("dlatent_avg", [1L << 20, 1L << 20], new byte[16])]), "huge.pkl");
        Assert.Contains("has 16 bytes of data", error.Message);
    }

    [Fact]
    public void AnArrayOfAnotherDtypeIsRefused()
    {
        var error = Refused(Pickle(Kwargs(), [Variable("dlatent_avg", [2], new byte[16], dtype: "f8")]), "float64.pkl");
        Assert.Contains("float32", error.Message);
    }

    [Fact]
    public void ATupleThatIsNotGDGsIsRefused()
    {
        var network = Network("Gs", Kwargs(), []);
        var error = Refused(PickleEmitter.Dump(new object?[] { network, network }), "pair.pkl");
        Assert.Contains("(G, D, Gs)", error.Message);
    }

    [Fact]
    public void ANativeFileOfFormatVersion1IsStyleGan2AndVersion2NeedsAKnownKind()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        Assert.Equal(GeneratorKind.StyleGan2, NativeCheckpointFormat.ReadInfo(path).Config.Kind);

        RewriteConfig(path, (metadata, config) => { metadata[NativeCheckpointFormat.FormatVersionKey] = "1"; config.Remove("kind"); });
        Assert.Equal(GeneratorKind.StyleGan2, NativeCheckpointFormat.ReadInfo(path).Config.Kind);

        RewriteConfig(path, (metadata, _) => metadata[NativeCheckpointFormat.FormatVersionKey] = "2");
        Assert.Contains("'kind' is missing", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.ReadInfo(path)).Message);

        RewriteConfig(path, (_, config) => config["kind"] = "stylegan9");
        Assert.Contains("'kind' is 'stylegan9'", Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.ReadInfo(path)).Message);
    }

    [Fact]
    public void ANativeStyleGanHumanFileWithSquareTensorsIsRefused()
    {
        var path = SmallCheckpoints.WriteNative(_directory.File("small.safetensors"));
        RewriteConfig(path, (_, config) => config["kind"] = "stylegan_human");
        var error = Assert.Throws<CheckpointFormatException>(() => NativeCheckpointFormat.ReadInfo(path));
        Assert.Contains("synthesis.b4.const", error.Message);
    }

    private static byte[] Pickle(Dictionary<string, object?> kwargs, IList<object?> variables, int version = 4)
    {
        var synthesis = Network("G_synthesis", kwargs, variables);
        var average = Network("Gs", kwargs, variables, new Dictionary<string, object?> { ["synthesis"] = synthesis }, version);
        var discriminator = Network("D", new Dictionary<string, object?>(), []);
        return PickleEmitter.Dump(Tuple(average, discriminator, average));
    }

    private CheckpointFormatException Refused(byte[] content, string name, bool checkAllocation = true, TimeSpan? limit = null)
    {
        var path = _directory.File(name);
        File.WriteAllBytes(path, content);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var error = Record.Exception(() => CheckpointLoader.Load(path).Dispose());
        var elapsed = clock.Elapsed;
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{name}: {content.Length} bytes, refused in {elapsed.TotalMilliseconds:0} ms with {allocated / 1024} KiB allocated: {error?.Message}");

        var refused = Assert.IsType<CheckpointFormatException>(error);
        Assert.True(elapsed < (limit ?? Prompt), $"{name} took {elapsed.TotalMilliseconds:0} ms to refuse");
        if (checkAllocation)
            Assert.True(allocated < AllocationBudget, $"{name} allocated {allocated} bytes before it was refused");
        return refused;
    }

    /// <summary>Edits the metadata and config JSON of a native file's header; the data section is kept as it is.</summary>
    private static void RewriteConfig(string path, Action<Dictionary<string, string>, JsonObject> edit)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
        var metadata = header["__metadata__"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);
        var config = JsonNode.Parse(metadata[NativeCheckpointFormat.ConfigKey])!.AsObject();
        edit(metadata, config);
        metadata[NativeCheckpointFormat.ConfigKey] = config.ToJsonString();
        header["__metadata__"] = new JsonObject(metadata.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value))));
        var text = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes((ulong)text.Length));
        stream.Write(text);
        stream.Write(bytes, 8 + headerLength, bytes.Length - 8 - headerLength);
    }
}
