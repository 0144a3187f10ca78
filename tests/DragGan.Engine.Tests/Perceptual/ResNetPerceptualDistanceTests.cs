using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Tests.Perceptual;

public sealed class ResNetPerceptualDistanceTests(ResNetFixture fixture) : IClassFixture<ResNetFixture>
{
    [Fact]
    public void IdenticalImagesAreAtDistanceZero()
    {
        using var scope = NewDisposeScope();
        var face = fixture.Faces.Image(seed: 1);
        Assert.Equal(0f, fixture.Distance.Distance(face, face.clone()).item<float>());
    }

    [Fact]
    public void TheDistanceIsSymmetric()
    {
        using var scope = NewDisposeScope();
        var a = fixture.Faces.Image(seed: 1);
        var b = fixture.Faces.Image(seed: 2);
        var ab = fixture.Distance.Distance(a, b).item<float>();
        var ba = fixture.Distance.Distance(b, a).item<float>();
        Assert.True(ab > 0);
        Assert.Equal(ab, ba, 6);
    }

    [Fact]
    public void TheDistanceGrowsWithBlurAndWithNoise()
    {
        using var scope = NewDisposeScope();
        var face = fixture.Faces.Image(seed: 4);
        var blurred = new[] { 1, 2, 4 }.Select(passes => Distance(face, Blur(face, passes))).ToArray();
        var random = new TorchSharp.torch.Generator(11);
        var noise = randn(face.shape, generator: random);
        var noisy = new[] { 0.02, 0.05, 0.1, 0.2 }.Select(sigma => Distance(face, face.add(noise.mul(sigma)))).ToArray();

        Assert.True(blurred[0] > 0);
        Assert.True(blurred.Zip(blurred.Skip(1)).All(p => p.First < p.Second), $"blur: {string.Join(", ", blurred)}");
        Assert.True(noisy.Zip(noisy.Skip(1)).All(p => p.First < p.Second), $"noise: {string.Join(", ", noisy)}");
    }

    [Fact]
    public void APreparedTargetGivesTheSameDistanceWithGradientsToTheImage()
    {
        using var scope = NewDisposeScope();
        var target = fixture.Faces.Image(seed: 5);
        var image = fixture.Faces.Image(seed: 6).requires_grad_(true);
        using var prepared = fixture.Distance.Prepare(target);

        var distance = prepared.DistanceTo(image);
        distance.backward();

        Assert.Equal(fixture.Distance.Distance(image.detach(), target).item<float>(), distance.item<float>(), 5);
        Assert.True(image.grad!.abs().sum().item<float>() > 0);
    }

    private float Distance(Tensor a, Tensor b) => fixture.Distance.Distance(a, b).item<float>();

    /// <summary>Repeated 3x3 box blurs (edges replicated): more passes, a blurrier image.</summary>
    private static Tensor Blur(Tensor image, int passes)
    {
        for (var i = 0; i < passes; i++)
            image = F.avg_pool2d(F.pad(image, [1, 1, 1, 1], PaddingModes.Replicate), 3, stride: 1);
        return image;
    }
}
