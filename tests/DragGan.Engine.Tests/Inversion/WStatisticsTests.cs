using DragGan.Engine.Inversion;
using DragGan.Engine.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Inversion;

public sealed class WStatisticsTests(TinyGenerator tiny) : IClassFixture<TinyGenerator>
{
    [Fact]
    public void SampledMeanAgreesWithTheTrackedWAverageWithinSamplingError()
    {
        // The fixture's mapping.w_avg is the mean of 20000 mapped z; 1000 other samples land within a
        // few standard errors (w_std / sqrt(1000)) of it.
        var statistics = WStatistics.Estimate(tiny.Generator, samples: 1000);
        using var scope = NewDisposeScope();
        var distance = torch.tensor(statistics.Mean.ToArray()).sub(tiny.Generator.WAverage).norm().item<float>();
        var standardError = statistics.Std / Math.Sqrt(1000);
        Assert.True(distance < 3 * standardError, $"|mean - w_avg| = {distance}, standard error {standardError}");
        Assert.Equal(512, statistics.Mean.Count);
        Assert.Equal(1000, statistics.Samples);
        Assert.Equal(WStatistics.DefaultSeed, statistics.Seed);
        Assert.True(statistics.Std > 1);
    }

    [Fact]
    public void EstimatesAreDeterministicForASeedAndDifferAcrossSeeds()
    {
        var first = WStatistics.Estimate(tiny.Generator, samples: 300);
        var again = WStatistics.Estimate(tiny.Generator, samples: 300);
        var other = WStatistics.Estimate(tiny.Generator, samples: 300, seed: 124);
        Assert.Equal(first.Mean, again.Mean);
        Assert.Equal(first.Std, again.Std);
        Assert.NotEqual(first.Mean, other.Mean);
    }

    [Fact]
    public void ChunkedSamplesMatchOneBatch()
    {
        // 1500 samples are mapped in chunks of 1000 and 500; the same z mapped at once give the same statistics.
        var chunked = WStatistics.Estimate(tiny.Generator, samples: 1500);
        using var scope = NewDisposeScope();
        var random = new DragGan.Engine.Random.LegacyNumpyRandom(WStatistics.DefaultSeed);
        var ws = tiny.Generator.Map(torch.tensor(random.Randn(1500 * 512), [1500, 512])).select(1, 0).to(ScalarType.Float64);
        var mean = ws.mean([0]);
        var std = Math.Sqrt(ws.sub(mean).square().sum().item<double>() / 1500);
        Assert.Equal(std, chunked.Std, std * 1e-6);
        Assert.True(torch.tensor(chunked.Mean.ToArray()).sub(mean.to(ScalarType.Float32)).abs().max().item<float>() < 1e-5);
    }
}
