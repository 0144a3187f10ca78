using DragGan.Engine.Imaging;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Networks;

/// <summary><see cref="ImageGenerator.Render"/>: the one way the services turn a latent into pixels.</summary>
public sealed class ImageGeneratorRenderTests(TinyGenerator tiny) : IClassFixture<TinyGenerator>
{
    private readonly StyleGan2Generator _generator = tiny.Generator;

    [Fact]
    public void RendersTheReferenceImageWithConstantNoise()
    {
        using var scope = NewDisposeScope();
        var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        var expected = ImageCodec.ToRgb(Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_img.npy")));

        var image = _generator.Render(ws);

        Assert.Equal(expected.Width, image.Width);
        Assert.Equal(expected.Height, image.Height);
        // The reference image went through float32 to 8 bits too: the tolerance of the parity
        // tests is well under one level, so at most a rounding step apart on any pixel.
        Assert.True(expected.Pixels.Zip(image.Pixels).All(p => Math.Abs(p.First - p.Second) <= 1));
    }

    [Fact]
    public void TakesOneLatentWithOrWithoutItsBatchDimensionAndTracksNoGradient()
    {
        using var scope = NewDisposeScope();
        var ws = _generator.MapSeed(7, psi: 0.7).requires_grad_();

        var batched = _generator.Render(ws);
        var rows = _generator.Render(ws.squeeze(0));

        Assert.Equal(batched.Pixels, rows.Pixels);
        Assert.Null(ws.grad);
    }

    [Fact]
    public void RefusesABatchOrAWrongShapeNamingTheExpectedOne()
    {
        using var scope = NewDisposeScope();
        var two = cat([_generator.MapSeed(1), _generator.MapSeed(2)], 0);

        var error = Assert.Throws<ArgumentException>(() => _generator.Render(two));
        Assert.Contains($"[1, {_generator.NumWs}, {_generator.WDim}]", error.Message);
        Assert.Throws<ArgumentException>(() => _generator.Render(zeros(_generator.NumWs, _generator.WDim + 1)));
    }
}
