using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Inversion;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Inversion;

/// <summary>How a projection behaves step by step, on a small random generator (16x16, 6 rows of w).</summary>
public sealed class ProjectionTests(SmallProjector small) : IClassFixture<SmallProjector>
{
    private readonly LatentProjector _projector = small.Projector;
    private readonly GeneratorConfig _config = small.Generator.Config;

    private float[] Row(float[] latent, int row) => latent.AsSpan(row * _config.WDim, _config.WDim).ToArray();

    [Fact]
    public void WSpaceKeepsEveryRowTheSameAndWPlusDoesNot()
    {
        using var target = small.Image();
        using var w = _projector.Start(target, new InversionOptions { Space = LatentSpace.W, Steps = 5 });
        using var wPlus = _projector.Start(target, new InversionOptions { Space = LatentSpace.WPlus, Steps = 5 });
        for (var i = 0; i < 5; i++)
        {
            w.Step().Dispose();
            wPlus.Step().Dispose();
        }

        var wLatent = w.CurrentLatent();
        var wPlusLatent = wPlus.CurrentLatent();
        Assert.Equal(_config.NumWs * _config.WDim, wLatent.Length);
        Assert.Equal(_config.NumWs * _config.WDim, wPlusLatent.Length);
        for (var row = 1; row < _config.NumWs; row++)
            Assert.Equal(Row(wLatent, 0), Row(wLatent, row));
        Assert.NotEqual(Row(wPlusLatent, 0), Row(wPlusLatent, _config.NumWs - 1));
        Assert.Equal(_config.NumWs * _config.WDim, w.Best.Latent.Length);
        using var latentTensor = w.Best.ToTensor();
        Assert.Equal([1, _config.NumWs, _config.WDim], latentTensor.shape);
    }

    [Fact]
    public void StartsFromTheSampledMeanOrTheGivenLatent()
    {
        using var target = small.Image();
        using var fromMean = _projector.Start(target, new InversionOptions { Steps = 3 });
        var mean = _projector.Statistics.Mean.ToArray();
        Assert.Equal(Enumerable.Repeat(mean, _config.NumWs).SelectMany(v => v), fromMean.CurrentLatent());
        Assert.Equal(0, fromMean.Initial.Step);

        var oneW = Enumerable.Range(0, _config.WDim).Select(i => i / 100f).ToArray();
        using var fromOne = _projector.Start(target, new InversionOptions { Steps = 3, InitialLatent = oneW });
        Assert.Equal(Enumerable.Repeat(oneW, _config.NumWs).SelectMany(v => v), fromOne.CurrentLatent());

        var rows = Enumerable.Range(0, _config.NumWs * _config.WDim).Select(i => i / 1000f).ToArray();
        using var fromRows = _projector.Start(target, new InversionOptions { Steps = 3, InitialLatent = rows });
        Assert.Equal(rows, fromRows.CurrentLatent());
        Assert.Equal(rows, fromRows.Initial.Latent);
    }

    [Fact]
    public void SameSeedSameRunAndAnotherSeedAnotherRun()
    {
        using var target = small.Image();
        float[] Run(ulong seed)
        {
            using var projection = _projector.Start(target, new InversionOptions { Steps = 6, Seed = seed });
            while (!projection.Finished)
                projection.Step().Dispose();
            return projection.CurrentLatent();
        }
        Assert.Equal(Run(1), Run(1));
        Assert.NotEqual(Run(1), Run(2));
    }

    [Fact]
    public void BestIsTheLowestMseSoFarAndSurvivesStoppingEarly()
    {
        using var target = small.Image(seed: 3);
        using var projection = _projector.Start(target, new InversionOptions { Steps = 200, LearningRate = 0.1 });
        var results = new List<(int Step, double Mse, double Psnr, bool IsBest)>();
        for (var i = 0; i < 15; i++)
        {
            using var result = projection.Step();
            results.Add((result.Step, result.Mse, result.Psnr, result.IsBest));
        }

        // Stopped after 15 of 200 steps: the answer is the best of the initial latent and those 15.
        Assert.False(projection.Finished);
        var best = results.Where(r => r.Mse < projection.Initial.Quality.Mse).OrderBy(r => r.Mse).ThenBy(r => r.Step).FirstOrDefault();
        var expectedStep = best == default ? 0 : best.Step;
        Assert.Equal(expectedStep, projection.Best.Step);
        Assert.Equal(results.Where(r => r.IsBest).Select(r => r.Step).DefaultIfEmpty(0).Last(), projection.Best.Step);
        Assert.True(projection.Best.Quality.Mse <= results.Min(r => r.Mse));
        Assert.True(projection.Best.Quality.Psnr > projection.Initial.Quality.Psnr);

        // The best latent reproduces its reported quality with constant noise.
        using var scope = NewDisposeScope();
        using var image = small.Generator.Synthesize(projection.Best.ToTensor());
        var mse = image.Image!.clamp(-1, 1).sub(target.clamp(-1, 1)).square().mean().item<float>() / 4;
        Assert.Equal(projection.Best.Quality.Mse, mse, 1e-6);
        Assert.Equal(10 * Math.Log10(255.0 * 255.0 / (mse * 255.0 * 255.0)), projection.Best.Quality.Psnr, 1e-3);
    }

    [Fact]
    public void PreviewsOnlyWhenAskedAndNoStepsBeyondTheTotal()
    {
        using var target = small.Image();
        using var projection = _projector.Start(target, new InversionOptions { Steps = 2 });
        using (var plain = projection.Step())
            Assert.Null(plain.Preview);
        using (var withPreview = projection.Step(renderPreview: true))
        {
            Assert.Equal([3, 16, 16], withPreview.Preview!.shape);
            Assert.True(withPreview.Finished);
            // The preview is the constant-noise reconstruction the step's metrics measure.
            using var scope = NewDisposeScope();
            var mse = withPreview.Preview.clamp(-1, 1).sub(target.squeeze(0).clamp(-1, 1)).square().mean().item<float>() / 4;
            Assert.Equal(withPreview.Mse, mse, 1e-6);
        }
        Assert.True(projection.Finished);
        Assert.Throws<InvalidOperationException>(() => projection.Step());
    }

    [Fact]
    public void OptimisingWithConstantNoiseAlsoConverges()
    {
        using var target = small.Image(seed: 4);
        using var projection = _projector.Start(target, new InversionOptions { Steps = 30, LearningRate = 0.1, OptimizeNoise = false });
        var losses = new List<double>();
        while (!projection.Finished)
        {
            using var result = projection.Step();
            losses.Add(result.Loss);
        }
        // Without noise terms the loss is the pixel MSE in [-1, 1]: four times the step's MSE in [0, 1] before its update.
        Assert.True(losses[^1] < losses[0] / 2, $"loss {losses[0]} -> {losses[^1]}");
        Assert.True(projection.Best.Quality.Psnr > projection.Initial.Quality.Psnr + 3);
    }

    [Fact]
    public void TheNoisePenaltyIsReportedApartAndFallsAsTheBuffersDecorrelate()
    {
        using var target = small.Image(seed: 4);
        using var projection = _projector.Start(target, new InversionOptions { Steps = 30, LearningRate = 0.1 });
        var penalties = new List<double>();
        while (!projection.Finished)
        {
            using var result = projection.Step();
            penalties.Add(result.NoisePenalty);
        }
        Assert.All(penalties, p => Assert.True(p > 0));
        Assert.True(penalties[^1] < penalties[0] / 10, $"noise penalty {penalties[0]} -> {penalties[^1]}");

        using var constant = _projector.Start(target, new InversionOptions { Steps = 2, OptimizeNoise = false });
        using var step = constant.Step();
        Assert.Equal(0, step.NoisePenalty);
        Assert.True(step.Loss > 0);
    }

    [Fact]
    public void LargerImagesAreReducedByAreaAndSmallerOnesEnlarged()
    {
        using var scope = NewDisposeScope();
        using var target = small.Image();
        var rgb = ImageCodec.ToRgb(target);
        // Each pixel repeated 2x2: area reduction gives the 16x16 image back exactly.
        var doubled = ImageCodec.ToTensor(rgb).repeat_interleave(2, 2).repeat_interleave(2, 3);
        var doubledRgb = ImageCodec.ToRgb(doubled);
        using var projection = _projector.Start(doubledRgb, new InversionOptions { Steps = 1 });
        Assert.Equal(0, projection.Target().sub(ImageCodec.ToTensor(rgb)).abs().max().item<float>());

        var smaller = nn.functional.interpolate(target, [8, 8], mode: InterpolationMode.Area);
        using var enlarged = _projector.Start(smaller, new InversionOptions { Steps = 1 });
        Assert.Equal([1, 3, 16, 16], enlarged.Target().shape);
    }
}
