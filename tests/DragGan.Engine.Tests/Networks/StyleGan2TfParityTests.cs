using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using static DragGan.Engine.Tests.Support.ReferenceOutputs;
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
        AssertClose(MapSeed42(_generator), TestFixtures.StyleGan2Tf("seed42_ws.npy"), LatentTolerance);
    }

    [Fact]
    public void SynthesisMatchesReferenceImageAndDragFeature()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.StyleGan2Tf("seed42_ws.npy"));
        using var result = _generator.Synthesize(ws, new SynthesisOptions { DragFeature = true });

        AssertClose(result.Image!, TestFixtures.StyleGan2Tf("seed42_img.npy"), SynthesisTolerance);
        AssertClose(result.DragFeature!, TestFixtures.StyleGan2Tf("seed42_feat5.npy"), SynthesisTolerance);
        Assert.True(result.Image!.std().item<float>() > 0.05);
    }

    [Fact]
    public void SeedToImageEndToEndMatchesReference()
    {
        using var scope = NewDisposeScope();
        using var result = _generator.Synthesize(MapSeed42(_generator));
        AssertClose(result.Image!, TestFixtures.StyleGan2Tf("seed42_img.npy"), SynthesisTolerance);
    }
}
