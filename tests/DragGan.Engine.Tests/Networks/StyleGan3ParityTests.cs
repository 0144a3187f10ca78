using DragGan.Engine.Networks;
using DragGan.Engine.Networks.StyleGan3;
using DragGan.Engine.Tests.Support;
using TorchSharp;
using Xunit.Abstractions;
using static DragGan.Engine.Tests.Support.ReferenceOutputs;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Networks;

/// <summary>
/// The StyleGAN3-T generator against the official implementation's outputs for the fixture
/// checkpoint (seed 42, psi 0.7, float32 on CPU, the reference filtered_lrelu path; see the
/// fixture's README).
/// </summary>
public sealed class StyleGan3ParityTests(TinyStyleGan3 tiny, ITestOutputHelper output) : IClassFixture<TinyStyleGan3>
{
    private readonly StyleGan3Generator _generator = tiny.Generator;

    [Fact]
    public void LayerTableMatchesTheReference()
    {
        var layers = _generator.Architecture.Layers;
        Assert.Equal(
            ["L0_36_32", "L1_36_32", "L2_36_32", "L3_52_32", "L4_52_32", "L5_84_32", "L6_84_32", "L7_148_32",
             "L8_148_32", "L9_148_32", "L10_276_32", "L11_276_23", "L12_276_16", "L13_256_16", "L14_256_3"],
            layers.Select(l => l.Name));
        Assert.Equal([9, 8, 9, 8], layers[0].Padding);
        Assert.Equal([-6, -9, -6, -9], layers[5].Padding);
        Assert.Equal([-11, -12, -11, -12], layers[13].Padding);
        Assert.Equal([0, 0, 0, 0], layers[14].Padding);
        Assert.Equal((4, 2, 24, 12), (layers[5].UpFactor, layers[5].DownFactor, layers[5].UpTaps, layers[5].DownTaps));
        Assert.Equal((32, 64), (layers[5].InSamplingRate, layers[5].OutSamplingRate));
        Assert.Equal((1, 1, 1, 1), (layers[14].UpFactor, layers[14].DownFactor, layers[14].UpTaps, layers[14].DownTaps));
        Assert.Equal(new SynthesisInputSpec(32, 36, 16, 2), _generator.Architecture.Input);
        Assert.Equal(16, _generator.NumWs);
        Assert.Equal("L5_84_32", _generator.DragFeature.Name);
        Assert.Equal((32, 84), (_generator.DragFeatureChannels, _generator.DragFeatureResolution));
        Assert.Equal(GeneratorKind.StyleGan3T, _generator.Kind);
    }

    [Fact]
    public void MappingSeed42MatchesReferenceWs()
    {
        using var scope = NewDisposeScope();
        var difference = AssertClose(MapSeed42(_generator), TestFixtures.TinyStyleGan3("seed42_ws.npy"), LatentTolerance);
        output.WriteLine($"max |ws - ref| = {difference:E2}");
    }

    [Fact]
    public void SynthesisMatchesReferenceImageAndL5Feature()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan3("seed42_ws.npy"));
        using var result = _generator.Synthesize(ws, new SynthesisOptions { DragFeature = true });

        var imageDifference = AssertClose(result.Image!, TestFixtures.TinyStyleGan3("seed42_img.npy"), SynthesisTolerance);
        var featureDifference = AssertClose(result.DragFeature!, TestFixtures.TinyStyleGan3("seed42_feat5.npy"), SynthesisTolerance);
        output.WriteLine($"max |img - ref| = {imageDifference:E2}, max |feat - ref| = {featureDifference:E2}");
        // Both carry real content, so the comparison is not between near-zero tensors.
        Assert.True(result.Image!.std().item<float>() > 0.05);
        Assert.True(result.DragFeature!.std().item<float>() > 0.05);
    }

    [Fact]
    public void SeedToImageEndToEndMatchesReference()
    {
        using var scope = NewDisposeScope();
        using var result = _generator.Synthesize(MapSeed42(_generator));
        AssertClose(result.Image!, TestFixtures.TinyStyleGan3("seed42_img.npy"), SynthesisTolerance);
    }

    [Fact]
    public void FeatureOnlyForwardStopsAtL5WithTheSameFeature()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan3("seed42_ws.npy"));
        using var full = _generator.Synthesize(ws, new SynthesisOptions { DragFeature = true });
        using var partial = _generator.Synthesize(ws, new SynthesisOptions { DragFeature = true, RenderImage = false });
        Assert.Null(partial.Image);
        Assert.Equal(0, MaxAbsDifference(full.DragFeature!, partial.DragFeature!));
    }

    [Fact]
    public void BatchedSynthesisEqualsOneAtATime()
    {
        using var scope = NewDisposeScope();
        var first = Npy.ReadFloat32(TestFixtures.TinyStyleGan3("seed42_ws.npy"));
        var second = _generator.MapSeed(7, psi: 0.7);
        using var batch = _generator.Synthesize(torch.cat([first, second], 0));
        using var alone = _generator.Synthesize(second);
        Assert.True(MaxAbsDifference(batch.Image!.narrow(0, 1, 1), alone.Image!) <= 1e-5);
        Assert.True(MaxAbsDifference(batch.Image.narrow(0, 0, 1), batch.Image.narrow(0, 1, 1)) > 0.1);
    }

    [Fact]
    public void WrongLatentShapesAreRejected()
    {
        using var scope = NewDisposeScope();
        var wrongRows = Assert.Throws<ArgumentException>(() => _generator.Synthesize(torch.zeros(1, 14, 512)));
        Assert.Contains("[N, 16, 512]", wrongRows.Message);
        Assert.Throws<ArgumentException>(() => _generator.Map(torch.zeros(1, 511)));
    }
}
