using System.Diagnostics;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Checkpoints;

/// <summary>
/// The StyleGAN3-T fixture through the checkpoint formats: the pickle's kind and config, the
/// native round trip, and the errors of broken or crafted files.
/// </summary>
public sealed class StyleGan3CheckpointTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void PickleIsReadAsStyleGan3TFromItsInitKwargs()
    {
        using var checkpoint = CheckpointLoader.Load(TestFixtures.TinyStyleGan3Pickle);
        Assert.Equal(GeneratorKind.StyleGan3T, checkpoint.Kind);
        Assert.Equal(16, checkpoint.Config.NumWs);
        var config = checkpoint.Config.StyleGan3Config!;
        Assert.Equal((256, 4096, 32, 2), (config.ImgResolution, config.ChannelBase, config.ChannelMax, config.MappingLayers));
        Assert.Equal(Math.Pow(0.5, 32.0 / 20000), config.MagnitudeEmaBeta, 15);
        // Filters and magnitude_ema come from the pickle, not from the defaults.
        Assert.Equal([24], checkpoint.Tensors["synthesis.L5_84_32.up_filter"].shape);
        Assert.False(checkpoint.Tensors.ContainsKey("synthesis.L14_256_3.up_filter"));
    }

    [Fact]
    public void NativeRoundTripGivesIdenticalOutputs()
    {
        var native = _directory.File("sg3.safetensors");
        using (var pickled = CheckpointLoader.Load(TestFixtures.TinyStyleGan3Pickle))
            NativeCheckpointFormat.Write(pickled, native);

        Assert.Equal(GeneratorKind.StyleGan3T, CheckpointLoader.ReadConfig(native).Kind);
        Assert.Equal(16, NativeCheckpointFormat.ReadInfo(native).Config.NumWs);

        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan3("seed42_ws.npy"));
        using var fromPickle = GeneratorFactory.Create(CheckpointLoader.Load(TestFixtures.TinyStyleGan3Pickle));
        using var reloaded = CheckpointLoader.Load(native);
        using var fromNative = GeneratorFactory.Create(reloaded);
        Assert.Equal(GeneratorKind.StyleGan3T, fromNative.Kind);
        var options = new SynthesisOptions { DragFeature = true };
        using var a = fromPickle.Synthesize(ws, options);
        using var b = fromNative.Synthesize(ws, options);
        Assert.Equal(0, a.Image!.sub(b.Image!).abs().max().item<float>());
        Assert.Equal(0, a.DragFeature!.sub(b.DragFeature!).abs().max().item<float>());
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5_000)]
    [InlineData(3_000_000)]
    [InlineData(-1)]
    public void TruncatedPickleFailsClearlyWithinASecond(int length)
    {
        var content = File.ReadAllBytes(TestFixtures.TinyStyleGan3Pickle);
        var path = _directory.File("truncated.pkl");
        File.WriteAllBytes(path, content[..(length < 0 ? content.Length + length : length)]);
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(path, CheckpointFormat.Pickle));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void TruncatedNativeFileFailsClearly()
    {
        var native = _directory.File("sg3.safetensors");
        using (var pickled = CheckpointLoader.Load(TestFixtures.TinyStyleGan3Pickle))
            NativeCheckpointFormat.Write(pickled, native);
        var content = File.ReadAllBytes(native);
        File.WriteAllBytes(native, content[..(content.Length - 100)]);
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(native));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Contains(native, error.Message);
    }

    [Theory]
    [InlineData("num_layers", 2147483647, "num_layers must be in 1..64")]
    [InlineData("margin_size", 1 << 30, "margin_size must be in 0..256")]
    [InlineData("conv_kernel", 1, "StyleGAN3-R")]
    [InlineData("img_resolution", 1 << 30, "img_resolution must be a power of two")]
    [InlineData("use_radial_filters", true, "StyleGAN3-R generator (training.networks_stylegan3), which is not supported")]
    [InlineData("unknown_option", 1, "init kwargs this engine does not know: unknown_option")]
    public void CraftedKwargsAreRefusedBeforeAnyAllocation(string key, object value, string expected)
    {
        var builder = new NetworkPickleBuilder
        {
            Config = NetworkPickleBuilder.TinyConfig,
            Tensors = NetworkPickleBuilder.RandomArrays(NetworkPickleBuilder.TinyConfig),
            ModuleSource = NetworkPickleBuilder.StyleGan3Source,
            EditKwargs = _ => new Dictionary<string, object?>
            {
                ["z_dim"] = 512, ["c_dim"] = 0, ["w_dim"] = 512, ["img_resolution"] = 256, ["img_channels"] = 3,
                ["mapping_kwargs"] = new Dictionary<string, object?> { ["num_layers"] = 2 },
                [key] = value,
            },
        };
        var path = builder.WriteTo(_directory.Path, "crafted.pkl");
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Load(path));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Contains(expected, error.Message);
    }
}
