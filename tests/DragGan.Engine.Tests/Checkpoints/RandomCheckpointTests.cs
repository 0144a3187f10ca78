using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using TorchSharp;

namespace DragGan.Engine.Tests.Checkpoints;

public sealed class RandomCheckpointTests
{
    [Fact]
    public void SameSeedGivesIdenticalTensorsAndOtherSeedsDiffer()
    {
        using var a = SmallCheckpoints.Create(seed: 7);
        using var b = SmallCheckpoints.Create(seed: 7);
        using var c = SmallCheckpoints.Create(seed: 8);

        SmallCheckpoints.AssertSameTensors(a, b);
        Assert.False(SmallCheckpoints.Identical(a.Tensors["mapping.fc0.weight"], c.Tensors["mapping.fc0.weight"]));
        Assert.False(SmallCheckpoints.Identical(a.Tensors["synthesis.b16.conv1.weight"], c.Tensors["synthesis.b16.conv1.weight"]));
    }

    [Fact]
    public void FollowsTheOfficialInitialisation()
    {
        var config = new GeneratorConfig { ImgResolution = 32, ChannelBase = 1024, ChannelMax = 64 };
        using var checkpoint = RandomCheckpoint.Create(config, seed: 1);
        var tensors = checkpoint.Tensors;

        Assert.Equal(GeneratorLayout.For(config).Select(s => s.Name), tensors.Keys);
        foreach (var spec in GeneratorLayout.For(config))
            Assert.True(spec.Shape.SequenceEqual(tensors[spec.Name].shape), spec.Name);

        // Mapping weights are N(0, 1) / lr_multiplier (0.01); mapping biases start at 0.
        Assert.InRange(tensors["mapping.fc0.weight"].std().item<float>(), 99f, 101f);
        Assert.InRange(tensors["mapping.fc0.weight"].mean().item<float>(), -1f, 1f);
        Assert.Equal(0f, tensors["mapping.fc3.bias"].abs().max().item<float>());
        Assert.Equal(0f, tensors["mapping.w_avg"].abs().max().item<float>());

        // Style affines: weights N(0, 1), bias_init = 1.
        Assert.InRange(tensors["synthesis.b32.conv0.affine.weight"].std().item<float>(), 0.97f, 1.03f);
        Assert.True(tensors["synthesis.b32.conv0.affine.bias"].eq(1).all().item<bool>());
        Assert.True(tensors["synthesis.b8.torgb.affine.bias"].eq(1).all().item<bool>());

        // Convolutions N(0, 1) with zero bias; no noise yet, but N(0, 1) noise buffers.
        Assert.InRange(tensors["synthesis.b32.conv1.weight"].std().item<float>(), 0.97f, 1.03f);
        Assert.Equal(0f, tensors["synthesis.b32.conv1.bias"].abs().max().item<float>());
        Assert.Equal(0f, tensors["synthesis.b16.conv0.noise_strength"].item<float>());
        Assert.InRange(tensors["synthesis.b32.conv1.noise_const"].std().item<float>(), 0.9f, 1.1f);
        Assert.InRange(tensors["synthesis.b4.const"].std().item<float>(), 0.9f, 1.1f);
        Assert.Equal(0f, tensors["synthesis.b32.torgb.bias"].abs().max().item<float>());

        // The [1, 3, 3, 1] filter, outer product normalised to sum 1.
        float[] taps = [1, 3, 3, 1];
        var expected = torch.tensor(taps.SelectMany(i => taps.Select(j => i * j / 64f)).ToArray(), [4, 4]);
        foreach (var name in tensors.Keys.Where(n => n.EndsWith(".resample_filter")))
            Assert.True(SmallCheckpoints.Identical(tensors[name], expected), name);
    }

    [Fact]
    public void RandomWeightsSynthesiseFiniteImages()
    {
        using var checkpoint = SmallCheckpoints.Create(seed: 2);
        using var generator = StyleGan2Generator.Create(checkpoint);
        using var scope = torch.NewDisposeScope();
        var ws = generator.Map(torch.randn(2, SmallCheckpoints.Config.ZDim));
        using var result = generator.Synthesize(ws);

        Assert.Equal([2L, 3, 16, 16], result.Image!.shape);
        Assert.True(result.Image.isfinite().all().item<bool>());
    }
}
