using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Models;

/// <summary>
/// The built-in model that lets every service and tool run with no configuration and no files: a
/// generator of the official StyleGAN2-ADA architecture with fixed, seeded random weights. It is
/// untrained: it draws abstract colour structure, not photographs. Configure a trained checkpoint
/// for real edits.
/// </summary>
public static class DemoModel
{
    public const string Name = "demo-untrained-256";

    public const string Description =
        "Untrained demo generator (StyleGAN2-ADA architecture, 256x256, fixed seeded random weights). " +
        "It draws abstract patterns, not photographs; configure a trained checkpoint for real edits.";

    /// <summary>Seed of the weights; changing it changes every demo image.</summary>
    public const int WeightSeed = 2023;

    /// <summary>Latents averaged into <c>w_avg</c>, as the reference tracks it in training.</summary>
    public const int WAverageSamples = 1000;

    /// <summary>noise_strength of every synthesis layer (0 at initialisation, which gives no fine texture).</summary>
    public const float NoiseStrength = 0.1f;

    /// <summary>
    /// Scale of every toRGB weight. With unit-variance weights the untrained image has a standard
    /// deviation near 1.5 and clips to saturated colour; 0.3 brings it near 0.5.
    /// </summary>
    public const float ToRgbWeightGain = 0.3f;

    /// <summary>256x256, channel_base 4096 and channel_max 128: 14 ws rows, 32 channels at b128, small enough for a drag step well under a second on two CPU cores.</summary>
    public static GeneratorConfig Config { get; } = new()
    {
        ImgResolution = 256,
        ChannelBase = 4096,
        ChannelMax = 128,
    };

    /// <summary>
    /// Builds the demo checkpoint: <see cref="RandomCheckpoint"/> of <see cref="Config"/> with
    /// <see cref="WeightSeed"/>, toRGB weights scaled by <see cref="ToRgbWeightGain"/>, then the two
    /// statistics an untrained network lacks: a small non-zero noise_strength, and <c>w_avg</c> as
    /// the mean of <see cref="WAverageSamples"/> mapped seeded z (as the reference tracks it in
    /// training), so that truncation pulls toward the centre of this network's w space.
    /// Deterministic: the same tensors on every call and run.
    /// </summary>
    public static GeneratorCheckpoint CreateCheckpoint()
    {
        var checkpoint = RandomCheckpoint.Create(Config, WeightSeed);
        try
        {
            foreach (var (name, value) in checkpoint.Tensors)
            {
                if (name.EndsWith(".noise_strength", StringComparison.Ordinal))
                    value.fill_(NoiseStrength);
                else if (name.EndsWith(".torgb.weight", StringComparison.Ordinal))
                    value.mul_(ToRgbWeightGain);
            }

            using var generator = StyleGan2Generator.Create(checkpoint);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var rng = new Generator(WeightSeed + 1UL, CPU);
            var z = randn([WAverageSamples, Config.ZDim], generator: rng);
            checkpoint.Tensors["mapping.w_avg"].copy_(generator.Map(z).select(1, 0).mean([0]));
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }
}
