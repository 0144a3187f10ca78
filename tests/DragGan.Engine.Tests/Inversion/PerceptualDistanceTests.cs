using DragGan.Engine.Inversion;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Tests.Inversion;

public sealed class PerceptualDistanceTests(SmallProjector small) : IClassFixture<SmallProjector>
{
    /// <summary>A stand-in for LPIPS: squared distance of 4x4-pooled images, keeping the pooled target as LPIPS keeps its features.</summary>
    private sealed class PooledDistance : IPerceptualDistance
    {
        public List<PooledTarget> Prepared { get; } = [];

        public IPerceptualTarget Prepare(Tensor target)
        {
            var prepared = new PooledTarget(Pool(target).detach().clone().DetachFromDisposeScope());
            Prepared.Add(prepared);
            return prepared;
        }

        public static Tensor Pool(Tensor image) => F.avg_pool2d(image, 4);
    }

    private sealed class PooledTarget(Tensor pooled) : IPerceptualTarget
    {
        public int Calls { get; private set; }

        public bool Disposed { get; private set; }

        public Tensor DistanceTo(Tensor image)
        {
            Calls++;
            return PooledDistance.Pool(image).sub(pooled).square().sum();
        }

        public void Dispose()
        {
            Disposed = true;
            pooled.Dispose();
        }
    }

    [Fact]
    public void TheLossAddsTheWeightedPerceptualDistanceToThePixelLoss()
    {
        using var target = small.Image(seed: 2);
        var distance = new PooledDistance();
        var options = new InversionOptions { Steps = 3, OptimizeNoise = false, InitialNoiseFactor = 0, PixelWeight = 0.5, PerceptualDistance = distance, PerceptualWeight = 2 };
        double loss;
        float[] start;
        using (var projection = small.Projector.Start(target, options))
        {
            start = projection.CurrentLatent();
            using var result = projection.Step();
            loss = result.Loss;
            Assert.Equal(1, Assert.Single(distance.Prepared).Calls);
        }
        Assert.True(distance.Prepared[0].Disposed);

        // The first step's forward is at the start latent with constant noise and no noise on w.
        using var scope = NewDisposeScope();
        using var image = small.Generator.Synthesize(torch.tensor(start, [1, small.Generator.NumWs, small.Generator.Config.WDim]));
        var pixel = F.mse_loss(image.Image!, target).item<float>();
        var perceptual = PooledDistance.Pool(image.Image!).sub(PooledDistance.Pool(target)).square().sum().item<float>();
        Assert.Equal(0.5 * pixel + 2 * perceptual, loss, 1e-4);
    }

    [Fact]
    public void APerceptualDistanceAloneDrivesTheProjection()
    {
        using var target = small.Image(seed: 2);
        var options = new InversionOptions { Steps = 20, LearningRate = 0.1, PixelWeight = 0, PerceptualDistance = new PooledDistance(), OptimizeNoise = false };
        using var projection = small.Projector.Start(target, options);
        while (!projection.Finished)
            projection.Step().Dispose();
        Assert.True(projection.Best.Quality.Psnr > projection.Initial.Quality.Psnr);
    }

    [Fact]
    public void ATargetThatCannotBePreparedLeavesNothingBehind()
    {
        using var target = small.Image();
        var failing = new FailingDistance();
        var error = Assert.Throws<InvalidOperationException>(() => small.Projector.Start(target, new InversionOptions { PerceptualDistance = failing }).Dispose());
        Assert.Equal("no weights", error.Message);
    }

    private sealed class FailingDistance : IPerceptualDistance
    {
        public IPerceptualTarget Prepare(Tensor target) => throw new InvalidOperationException("no weights");
    }
}
