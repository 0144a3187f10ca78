using DragGan.Engine.Drags;

namespace DragGan.Engine.Inversion;

/// <summary>
/// Settings of one projection. The schedule defaults are the reference projector's
/// (projector.py of NVlabs/stylegan2-ada-pytorch): 1000 steps, Adam lr 0.1 with a 5% linear
/// ramp-up and a 25% cosine ramp-down, noise on w starting at 0.05 w_std and gone after 75% of
/// the steps, noise-buffer regularisation weight 1e5.
/// </summary>
public sealed record InversionOptions
{
    public const int DefaultSteps = 1000;
    public const int MaxStepsLimit = 10_000;

    /// <summary>The seed of the reference's command line (<c>--seed</c>, default 303).</summary>
    public const ulong DefaultSeed = 303;

    /// <summary>
    /// W+ (default): every row of w+ is optimised independently. W: one w shared by all rows, as
    /// the reference projector does.
    /// </summary>
    public LatentSpace Space { get; init; } = LatentSpace.WPlus;

    /// <summary>Optimisation steps, 1..<see cref="MaxStepsLimit"/>.</summary>
    public int Steps { get; init; } = DefaultSteps;

    /// <summary>Peak Adam learning rate, in (0, 1].</summary>
    public double LearningRate { get; init; } = 0.1;

    /// <summary>
    /// Where the search starts: w_dim values (one w, for every row) or num_ws * w_dim values (w+,
    /// row by row; in W space its rows must all be equal). Null starts from the sampled mean w
    /// (<see cref="WStatistics.Mean"/>), as the reference.
    /// </summary>
    public float[]? InitialLatent { get; init; }

    /// <summary>Seeds the noise added to w and the initial noise buffers: the same seed and inputs give the same run.</summary>
    public ulong Seed { get; init; } = DefaultSeed;

    /// <summary>
    /// Optimise the per-layer noise buffers alongside the latent, regularised and renormalised as
    /// the reference does. When false the optimisation renders with the checkpoint's constant noise
    /// and has no noise term. Either way the result and its quality are measured with constant noise.
    /// </summary>
    public bool OptimizeNoise { get; init; } = true;

    /// <summary>Noise added to w at the first step, as a fraction of <see cref="WStatistics.Std"/> (<c>initial_noise_factor</c>).</summary>
    public double InitialNoiseFactor { get; init; } = 0.05;

    /// <summary>Fraction of the run over which the noise on w fades to zero (<c>noise_ramp_length</c>), in (0, 1].</summary>
    public double NoiseRampLength { get; init; } = 0.75;

    /// <summary>Fraction of the run over which the learning rate ramps up (<c>lr_rampup_length</c>), in (0, 1].</summary>
    public double LearningRateRampUp { get; init; } = 0.05;

    /// <summary>Fraction of the run over which the learning rate ramps down (<c>lr_rampdown_length</c>), in (0, 1].</summary>
    public double LearningRateRampDown { get; init; } = 0.25;

    /// <summary>Weight of the noise buffers' autocorrelation penalty (<c>regularize_noise_weight</c>).</summary>
    public double NoiseRegularizationWeight { get; init; } = 1e5;

    /// <summary>Weight of the pixel loss: the mean squared error with pixels in [-1, 1], the generator's range.</summary>
    public double PixelWeight { get; init; } = 1;

    /// <summary>A learned distance added to the loss (the reference's only image term); null for none, the default.</summary>
    public IPerceptualDistance? PerceptualDistance { get; init; }

    /// <summary>Weight of <see cref="PerceptualDistance"/>.</summary>
    public double PerceptualWeight { get; init; } = 1;
}
