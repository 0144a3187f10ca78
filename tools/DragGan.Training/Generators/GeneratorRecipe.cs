using DragGan.Engine.Networks;

namespace DragGan.Training.Generators;

/// <summary>
/// How the face generator is trained: the network's shape and the optimisation settings. The
/// defaults are the recipe of the shipped model (see bench/README.md); each one is a command-line option.
/// </summary>
public sealed record GeneratorRecipe
{
    /// <summary>
    /// 128 px: on a shared two-core CPU a training image took about 75 ms here against about 800 ms at
    /// 256 px (bench/README.md), so an hour sees ten times the images; drags at 128 px use the
    /// engine's radius floors (r1 = 2, r2 = 6).
    /// </summary>
    public int Resolution { get; init; } = 128;
    public int ChannelBase { get; init; } = 2048;
    public int ChannelMax { get; init; } = 64;
    public int ZDim { get; init; } = 64;
    public int WDim { get; init; } = 128;
    public int MappingLayers { get; init; } = 4;

    /// <summary>The reference's 0.01 barely moves the mapping in a short run; 0.1 lets it learn at a tenth of the synthesis rate.</summary>
    public float MappingLrMultiplier { get; init; } = 0.1f;

    public int BatchSize { get; init; } = 4;

    /// <summary>Adam's step size; the fit tolerates more than a GAN's 0.0025, and time is short on a CPU.</summary>
    public double LearningRate { get; init; } = 0.005;

    /// <summary>
    /// Scale of the toRGB weights at initialisation. The official unit-variance init draws saturated
    /// colour noise (standard deviation near 1.5); a tenth of it starts the fit from near grey.
    /// </summary>
    public float ToRgbInitGain { get; init; } = 0.1f;

    /// <summary>Half-life of the weights' exponential moving average, in images (ramped up over the first 20x as many images seen, as StyleGAN2-ADA's ema_rampup 0.05).</summary>
    public int EmaHalfLifeImages { get; init; } = 10_000;

    /// <summary>Weight of the L1 loss on 4x4-pooled images, on top of the per-pixel L1: it weighs the coarse layout more early on.</summary>
    public double PooledLossWeight { get; init; } = 1;

    public int WeightSeed { get; init; } = 16;
    public int LatentSeed { get; init; } = 17;

    public GeneratorConfig GeneratorConfig() => new()
    {
        ImgResolution = Resolution,
        ChannelBase = ChannelBase,
        ChannelMax = ChannelMax,
        ZDim = ZDim,
        WDim = WDim,
        MappingLayers = MappingLayers,
        MappingLrMultiplier = MappingLrMultiplier,
    };
}
