using DragGan.Engine.Imaging;
using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Inversion;

/// <summary>
/// GAN inversion for one generator: starts <see cref="Projection"/>s of target images. Holds the
/// generator's <see cref="WStatistics"/>, estimated once on first use (10,000 mapped samples, as the
/// reference) unless given. Safe to share: starting projections from several threads is fine;
/// each projection belongs to one caller.
/// </summary>
public sealed class LatentProjector
{
    private readonly Lazy<WStatistics> _statistics;

    public LatentProjector(ImageGenerator generator, WStatistics? statistics = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (statistics is not null && statistics.Mean.Count != generator.WDim)
            throw new ArgumentException($"The statistics are of {statistics.Mean.Count}-wide w, the generator's are {generator.WDim}.", nameof(statistics));
        Generator = generator;
        _statistics = statistics is not null
            ? new Lazy<WStatistics>(statistics)
            : new Lazy<WStatistics>(() => WStatistics.Estimate(generator), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public ImageGenerator Generator { get; }

    /// <summary>The mean and spread of W the projections start from and scale their noise with.</summary>
    public WStatistics Statistics => _statistics.Value;

    /// <summary>Starts projecting an 8-bit RGB image (square, any size).</summary>
    /// <exception cref="ArgumentException">A field of the request is invalid; <see cref="ArgumentException.ParamName"/> names it (<c>start.image</c>, <c>start.steps</c>, ...).</exception>
    public Projection Start(RgbImage target, InversionOptions? options = null)
    {
        options = InversionValidation.Options(options ?? new InversionOptions());
        var initialRows = InitialRows(options);
        return Create(InversionTarget.FromRgb(target, Generator.Resolution, Generator.Device), initialRows, options);
    }

    /// <summary>Starts projecting an image tensor: [3, H, W] or [1, 3, H, W] in [-1, 1], square, any size.</summary>
    /// <exception cref="ArgumentException">A field of the request is invalid; <see cref="ArgumentException.ParamName"/> names it.</exception>
    public Projection Start(Tensor target, InversionOptions? options = null)
    {
        options = InversionValidation.Options(options ?? new InversionOptions());
        var initialRows = InitialRows(options);
        return Create(InversionTarget.FromTensor(target, Generator.Resolution, Generator.Device), initialRows, options);
    }

    private float[] InitialRows(InversionOptions options) =>
        InversionValidation.InitialRows(options.InitialLatent ?? Statistics.MeanValues(), options.Space, Generator, "start.initial_latent");

    private Projection Create(Tensor target, float[] initialRows, InversionOptions options)
    {
        try
        {
            return new Projection(Generator, target, initialRows, options, Statistics);
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }
}
