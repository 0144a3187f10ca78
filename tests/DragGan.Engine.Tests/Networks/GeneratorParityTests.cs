using DragGan.Engine.Networks;
using DragGan.Engine.Random;
using DragGan.Engine.Tests.Support;
using TorchSharp;
using static DragGan.Engine.Tests.Support.ReferenceOutputs;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Networks;

/// <summary>
/// The generator against the official implementation's outputs for the fixture checkpoint
/// (seed 42, psi 0.7, noise_mode const, float32 on CPU; see the fixture's README).
/// </summary>
public sealed class GeneratorParityTests(TinyGenerator tiny) : IClassFixture<TinyGenerator>
{
    private readonly StyleGan2Generator _generator = tiny.Generator;

    [Fact]
    public void MappingSeed42MatchesReferenceWs()
    {
        using var scope = NewDisposeScope();
        AssertClose(MapSeed42(_generator), TestFixtures.TinyStyleGan2("seed42_ws.npy"), LatentTolerance);
    }

    [Fact]
    public void SynthesisMatchesReferenceImageAndB128Features()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        using var result = _generator.Synthesize(ws, new SynthesisOptions { FeatureResolutions = [128] });

        AssertClose(result.Image!, TestFixtures.TinyStyleGan2("seed42_img.npy"), SynthesisTolerance);
        AssertClose(result.Features[128], TestFixtures.TinyStyleGan2("seed42_feat5.npy"), SynthesisTolerance);
        // The image has real content, so the comparison above is not between two near-zero tensors.
        Assert.True(result.Image!.std().item<float>() > 0.05);
    }

    [Fact]
    public void SeedToImageEndToEndMatchesReference()
    {
        using var scope = NewDisposeScope();
        using var result = _generator.Synthesize(MapSeed42(_generator));
        AssertClose(result.Image!, TestFixtures.TinyStyleGan2("seed42_img.npy"), SynthesisTolerance);
    }

    [Fact]
    public void FeaturesOnlyForwardStopsEarlyWithSameFeatures()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        using var full = _generator.Synthesize(ws, new SynthesisOptions { FeatureResolutions = [128] });
        using var partial = _generator.Synthesize(ws, new SynthesisOptions { FeatureResolutions = [128], RenderImage = false });

        Assert.Null(partial.Image);
        Assert.Equal(0, MaxAbsDifference(full.Features[128], partial.Features[128]));
    }

    [Fact]
    public void FusedAndSharedModulationAgree()
    {
        using var scope = NewDisposeScope();
        var ws = torch.cat([
            Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy")),
            _generator.MapSeed(7, psi: 0.7),
        ], 0);
        using var fused = _generator.Synthesize(ws, new SynthesisOptions { FusedModulation = true });
        using var shared = _generator.Synthesize(ws, new SynthesisOptions { FusedModulation = false });
        Assert.True(MaxAbsDifference(fused.Image!, shared.Image!) <= 1e-4);
    }

    [Fact]
    public void BatchedSynthesisEqualsOneAtATime()
    {
        using var scope = NewDisposeScope();
        var first = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        var second = _generator.MapSeed(7, psi: 0.7);
        using var batch = _generator.Synthesize(torch.cat([first, second], 0));
        using var alone = _generator.Synthesize(second);
        Assert.True(MaxAbsDifference(batch.Image!.narrow(0, 1, 1), alone.Image!) <= 1e-4);
        Assert.True(MaxAbsDifference(batch.Image.narrow(0, 0, 1), batch.Image.narrow(0, 1, 1)) > 0.1);
    }

    [Fact]
    public void NoiseModesDiffer()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        using var constant = _generator.Synthesize(ws);
        using var constantAgain = _generator.Synthesize(ws);
        using var none = _generator.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.None });
        using var random = _generator.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.Random });
        Assert.Equal(0, MaxAbsDifference(constant.Image!, constantAgain.Image!));
        Assert.True(MaxAbsDifference(constant.Image!, none.Image!) > 0);
        Assert.True(MaxAbsDifference(constant.Image!, random.Image!) > 0);
    }

    [Fact]
    public void GivenNoiseBuffersReplaceNoiseConst()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        var constants = _generator.CopyNoiseConstants();
        Assert.Equal([4, 8, 8, 16, 16, 32, 32, 64, 64, 128, 128, 256, 256], _generator.NoiseResolutions);

        using var constant = _generator.Synthesize(ws);
        using var givenConst = _generator.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.Given, NoiseBuffers = constants });
        using var none = _generator.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.None });
        var zeros = constants.Select(c => torch.zeros_like(c)).ToArray();
        using var givenZeros = _generator.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.Given, NoiseBuffers = zeros });

        Assert.Equal(0, MaxAbsDifference(constant.Image!, givenConst.Image!));
        Assert.Equal(0, MaxAbsDifference(none.Image!, givenZeros.Image!));
        Assert.True(MaxAbsDifference(constant.Image!, none.Image!) > 0);
    }

    [Fact]
    public void GradientsReachGivenNoiseBuffers()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        var buffers = _generator.NoiseResolutions.Select(r => torch.randn(r, r).requires_grad_(true)).ToArray();
        using var result = _generator.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.Given, NoiseBuffers = buffers });
        result.Image!.square().mean().backward();
        Assert.All(buffers, b => Assert.True(b.grad is not null && b.grad.abs().sum().item<float>() > 0));
    }

    [Fact]
    public void MisshapenNoiseBuffersAreRejected()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        var buffers = _generator.NoiseResolutions.Select(r => torch.zeros(r, r)).ToArray();
        Assert.Throws<ArgumentException>(() => _generator.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.Given }));
        Assert.Throws<ArgumentException>(() => _generator.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.Given, NoiseBuffers = buffers[1..] }));
        var swapped = buffers.Reverse().ToArray();
        var wrongShape = Assert.Throws<ArgumentException>(() => _generator.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.Given, NoiseBuffers = swapped }));
        Assert.Contains("Noise buffer 0 must be [4, 4]", wrongShape.Message);
        Assert.Throws<ArgumentException>(() => _generator.Synthesize(ws, new SynthesisOptions { NoiseBuffers = buffers }));
    }

    [Fact]
    public void TruncationCutoffLeavesLaterRowsUntruncated()
    {
        using var scope = NewDisposeScope();
        var z = torch.tensor(LegacyNumpyRandom.LatentZ(42, 512), [1, 512]);
        var untruncated = _generator.Map(z);
        var cut = _generator.Map(z, psi: 0.5, truncationCutoff: 4);
        var full = _generator.Map(z, psi: 0.5);
        Assert.Equal(0, MaxAbsDifference(cut.narrow(1, 4, 10), untruncated.narrow(1, 4, 10)));
        Assert.Equal(0, MaxAbsDifference(cut.narrow(1, 0, 4), full.narrow(1, 0, 4)));
        // w_avg + psi (w - w_avg)
        var expected = _generator.WAverage.add(untruncated.narrow(1, 0, 1).sub(_generator.WAverage).mul(0.5));
        Assert.True(MaxAbsDifference(full.narrow(1, 0, 1), expected) <= 1e-5);
    }

    [Fact]
    public void WrongLatentShapesAreRejected()
    {
        using var scope = NewDisposeScope();
        var wrongRows = Assert.Throws<ArgumentException>(() => _generator.Synthesize(torch.zeros(1, 13, 512)));
        Assert.Contains("[N, 14, 512]", wrongRows.Message);
        Assert.Throws<ArgumentException>(() => _generator.Map(torch.zeros(1, 511)));
        Assert.Throws<ArgumentException>(() => _generator.Synthesize(torch.zeros(1, 14, 512), new SynthesisOptions { FeatureResolutions = [100] }));
    }
}
