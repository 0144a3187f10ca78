using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using TorchSharp;

namespace DragGan.Engine.Tests.Models;

/// <summary>The demo generator, built once for the class.</summary>
public sealed class DemoGenerator : IDisposable
{
    public DemoGenerator()
    {
        using var checkpoint = DemoModel.CreateCheckpoint();
        Generator = StyleGan2Generator.Create(checkpoint);
    }

    public StyleGan2Generator Generator { get; }

    public RgbImage Render(long seed, double psi = 0.7)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var result = Generator.Synthesize(Generator.MapSeed(seed, psi));
        return ImageCodec.ToRgb(result.Image!);
    }

    public void Dispose() => Generator.Dispose();
}

public sealed class DemoModelTests(DemoGenerator demo) : IClassFixture<DemoGenerator>
{
    [Fact]
    public void IsASmallOfficialArchitectureGenerator()
    {
        Assert.Equal("demo-untrained-256", DemoModel.Name);
        Assert.Contains("untrained", DemoModel.Description, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(256, demo.Generator.Config.ImgResolution);
        Assert.Equal(14, demo.Generator.NumWs);
        Assert.Equal(512, demo.Generator.Config.WDim);
    }

    [Fact]
    public void CheckpointIsDeterministicAndHasTheDemoStatistics()
    {
        using var a = DemoModel.CreateCheckpoint();
        using var b = DemoModel.CreateCheckpoint();

        SmallCheckpoints.AssertSameTensors(a, b);
        Assert.Equal(DemoModel.NoiseStrength, a.Tensors["synthesis.b64.conv1.noise_strength"].item<float>());
        // w_avg is the mean of mapped latents, not the zero of a fresh network.
        Assert.True(a.Tensors["mapping.w_avg"].abs().mean().item<float>() > 0.01f);
        Assert.True(a.Tensors["mapping.w_avg"].isfinite().all().item<bool>());
    }

    [Fact]
    public void SameSeedGivesTheSameImage()
    {
        var first = demo.Render(seed: 7);
        var again = demo.Render(seed: 7);

        Assert.Equal(first.Pixels, again.Pixels);
    }

    [Fact]
    public void ImagesHaveStructureAndDifferBySeed()
    {
        var a = demo.Render(seed: 1);
        var b = demo.Render(seed: 2);

        Assert.NotEqual(a.Pixels, b.Pixels);
        var differing = a.Pixels.Zip(b.Pixels).Count(p => Math.Abs(p.First - p.Second) > 16);
        Assert.True(differing > a.Pixels.Length / 10, $"only {differing} of {a.Pixels.Length} values differ noticeably");

        foreach (var image in new[] { a, b })
        {
            var values = image.Pixels.Select(v => (double)v).ToArray();
            var mean = values.Average();
            var std = Math.Sqrt(values.Average(v => (v - mean) * (v - mean)));
            Assert.True(std > 20, $"image is nearly flat (std {std:F1})");
            // Mostly inside the displayable range: not a saturated clip of 0s and 255s.
            var clipped = image.Pixels.Count(v => v is 0 or 255);
            Assert.True(clipped < image.Pixels.Length / 4, $"{clipped} of {image.Pixels.Length} values are clipped");
        }
    }

    [Fact]
    public void TruncationPullsTowardTheAverageImage()
    {
        var none = demo.Render(seed: 3, psi: 1);
        var full = demo.Render(seed: 3, psi: 0);
        var other = demo.Render(seed: 4, psi: 0);

        Assert.NotEqual(none.Pixels, full.Pixels);
        Assert.Equal(full.Pixels, other.Pixels);
    }
}
