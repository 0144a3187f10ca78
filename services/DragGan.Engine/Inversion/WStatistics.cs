using DragGan.Engine.Networks;
using DragGan.Engine.Random;
using static TorchSharp.torch;

namespace DragGan.Engine.Inversion;

/// <summary>
/// Where a generator's W space is centred and how far it spreads, estimated as the reference
/// projector does: map <c>np.random.RandomState(123).randn(10000, z_dim)</c> (no truncation), take
/// one w per sample, then <c>w_avg</c> = their mean and <c>w_std = sqrt(sum |w - w_avg|^2 / N)</c>
/// (the root mean squared distance to the mean over all w_dim components, not a per-component
/// deviation). The projector starts from <see cref="Mean"/> and scales the noise it adds to w with
/// <see cref="Std"/>. The draws use the bit-exact port of NumPy's legacy generator, so the samples
/// are the reference's; the sums are accumulated in float64.
/// </summary>
public sealed class WStatistics
{
    /// <summary>The reference's sample count (<c>w_avg_samples</c>).</summary>
    public const int DefaultSamples = 10_000;

    /// <summary>The reference's seed for the z samples.</summary>
    public const long DefaultSeed = 123;

    private const int ChunkSize = 1_000;

    private readonly float[] _mean;

    private WStatistics(float[] mean, double std, int samples, long seed)
    {
        _mean = mean;
        Std = std;
        Samples = samples;
        Seed = seed;
    }

    /// <summary>The mean w, [w_dim].</summary>
    public IReadOnlyList<float> Mean => _mean;

    /// <summary>Root mean squared distance of the sampled w to <see cref="Mean"/>.</summary>
    public double Std { get; }

    public int Samples { get; }

    public long Seed { get; }

    /// <summary>Maps <paramref name="samples"/> seeded z in chunks; deterministic for a generator, count and seed.</summary>
    public static WStatistics Estimate(ImageGenerator generator, int samples = DefaultSamples, long seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 2);
        var random = new LegacyNumpyRandom(seed);
        var zDim = generator.ZDim;

        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var chunks = new List<Tensor>();
        for (var done = 0; done < samples; done += ChunkSize)
        {
            var count = Math.Min(ChunkSize, samples - done);
            var z = torch.tensor(random.Randn(count * zDim), [count, zDim]);
            // Every row of an untruncated w+ is the same w: keep the first, as the reference.
            chunks.Add(generator.Map(z).select(1, 0).to(ScalarType.Float64));
        }
        var ws = torch.cat(chunks, 0);
        var mean = ws.mean([0]);
        var std = Math.Sqrt(ws.sub(mean).square().sum().item<double>() / samples);
        var meanValues = mean.to(ScalarType.Float32).cpu().data<float>().ToArray();
        return new WStatistics(meanValues, std, samples, seed);
    }

    internal float[] MeanValues() => _mean.ToArray();
}
