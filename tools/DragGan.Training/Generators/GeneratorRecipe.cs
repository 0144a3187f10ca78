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

    /// <summary>
    /// Weight of the adversarial loss beside the L1 terms; 0 trains the supervised fit alone. The
    /// L1 fit averages what it cannot place exactly into blur; the adversarial term (pix2pix's
    /// L1 + GAN recipe, Isola et al. 2017) pulls towards the renderer's sharp edges while L1 keeps
    /// each latent on its face.
    /// </summary>
    public double AdversarialWeight { get; init; }

    /// <summary>
    /// Images over which a fresh discriminator trains alone before the generator hears from it,
    /// then as many again over which the adversarial weight ramps up: a random discriminator's
    /// gradients otherwise draw the same artifact into every face of a model being fine-tuned.
    /// </summary>
    public long AdversarialWarmupImages { get; init; } = 8_000;

    /// <summary>The discriminator's Adam step size (StyleGAN2-ADA's 0.0025 at this scale, a little lower for a fine-tune).</summary>
    public double DiscriminatorLearningRate { get; init; } = 0.002;

    /// <summary>R1's gamma: StyleGAN2-ADA's heuristic 0.0002 x res^2 / batch is 0.8 at 128 px and batch 4.</summary>
    public double R1Gamma { get; init; } = 0.8;

    /// <summary>Channels of the discriminator: the generator's rule, min(base / res, max), with this maximum.</summary>
    public int DiscriminatorChannelMax { get; init; } = 64;

    public int WeightSeed { get; init; } = 16;
    public int LatentSeed { get; init; } = 17;

    /// <summary>The adversarial term's weight after this many images with the discriminator: 0 while it warms up, then ramped linearly to <see cref="AdversarialWeight"/>.</summary>
    public double AdversarialWeightAt(long imagesSinceStart) => AdversarialWarmupImages <= 0
        ? AdversarialWeight
        : AdversarialWeight * Math.Clamp((imagesSinceStart - AdversarialWarmupImages) / (double)AdversarialWarmupImages, 0, 1);

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
