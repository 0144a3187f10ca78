using DragGan.Engine.Networks;
using DragGan.Engine.Random;
using DragGan.Engine.Tests.Support;
using TorchSharp;
using static DragGan.Engine.Tests.Networks.GeneratorParityTests;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Networks;

/// <summary>
/// The TF-era StyleGAN2 pickle, converted as the official legacy.py converts it, against the
/// official DragGAN code's outputs for that conversion (seed 42, psi 0.7, noise_mode const,
/// float32 on CPU; see the fixture's README).
/// </summary>
public sealed class StyleGan2TfParityTests(TfGenerator tf) : IClassFixture<TfGenerator>
{
    private readonly ImageGenerator _generator = tf.Generator;

    [Fact]
    public void TheCheckpointIsReadAsATfEraStyleGan2WithTheConvertersConfig()
    {
        Assert.Equal(GeneratorKind.StyleGan2Tf, _generator.Kind);
        var config = Assert.IsType<StyleGan2Generator>(_generator).Config;
        // legacy.py: channel_base = 2 x fmap_base, num_fp16_res 0, conv_clamp None, mapping from mapping_layers.
        Assert.Equal(new GeneratorConfig
        {
            Kind = GeneratorKind.StyleGan2Tf,
            ImgResolution = 256,
            ChannelBase = 2048,
            ChannelMax = 32,
            NumFp16Res = 0,
            ConvClamp = null,
            MappingLayers = 2,
            MappingLrMultiplier = 0.01f,
        }, config);
        Assert.Equal(new ContentRectangle(0, 0, 256, 256), _generator.Content);
        Assert.Equal((16, 128), (_generator.DragFeatureChannels, _generator.DragFeatureResolution));
    }

    [Fact]
    public void MappingSeed42MatchesReferenceWs()
    {
        using var scope = NewDisposeScope();
        var z = torch.tensor(LegacyNumpyRandom.LatentZ(42, 512), [1, 512]);
        var ws = _generator.Map(z, psi: 0.7);
        var expected = Npy.ReadFloat32(TestFixtures.StyleGan2Tf("seed42_ws.npy"));

        Assert.Equal(expected.shape, ws.shape);
        Assert.True(MaxAbsDifference(ws, expected) <= 1e-4, $"max |ws - ref| = {MaxAbsDifference(ws, expected)}");
    }

    [Fact]
    public void SynthesisMatchesReferenceImageAndDragFeature()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.StyleGan2Tf("seed42_ws.npy"));
        using var result = _generator.Synthesize(ws, new SynthesisOptions { DragFeature = true });
        var image = Npy.ReadFloat32(TestFixtures.StyleGan2Tf("seed42_img.npy"));
        var features = Npy.ReadFloat32(TestFixtures.StyleGan2Tf("seed42_feat5.npy"));

        Assert.Equal(image.shape, result.Image!.shape);
        Assert.Equal(features.shape, result.DragFeature!.shape);
        Assert.True(MaxAbsDifference(result.Image, image) <= 1e-3, $"max |img - ref| = {MaxAbsDifference(result.Image, image)}");
        Assert.True(MaxAbsDifference(result.DragFeature, features) <= 1e-3, $"max |feat - ref| = {MaxAbsDifference(result.DragFeature, features)}");
        Assert.True(image.std().item<float>() > 0.05);
    }

    [Fact]
    public void SeedToImageEndToEndMatchesReference()
    {
        using var scope = NewDisposeScope();
        var z = torch.tensor(LegacyNumpyRandom.LatentZ(42, 512), [1, 512]);
        using var result = _generator.Synthesize(_generator.Map(z, psi: 0.7));
        var image = Npy.ReadFloat32(TestFixtures.StyleGan2Tf("seed42_img.npy"));
        Assert.True(MaxAbsDifference(result.Image!, image) <= 1e-3);
    }
}
