using DragGan.Engine.Drags;
using DragGan.Engine.Inversion;

namespace DragGan.Engine.Tuning;

/// <summary>
/// Settings of pivotal tuning's second stage (PTI, Roich et al. 2022: Adam over the generator's
/// weights at lr 3e-4, up to 350 steps, loss L2 + LPIPS with weight 1 each, stopping early once the
/// LPIPS distance is about 0.06). Here the weights are the synthesis convolutions' and the
/// perceptual distance is <see cref="Perceptual.ResNetPerceptualDistance"/>, whose scale differs
/// from LPIPS-VGG's, so the early-stop threshold is its own.
/// </summary>
public sealed record PivotalTuningOptions
{
    public const int DefaultSteps = 350;

    /// <summary>PTI's learning rate for full tuning.</summary>
    public const double FullLearningRate = 3e-4;

    /// <summary>
    /// The low-rank learning rate (A's entries start as unit Gaussians, B at zero): the best of 1e-2
    /// and 3e-2 at ranks 2 and 8 on each of three unseen faces-128 faces and a photograph, and of 1e-3
    /// to 1e-1 on one face (bench/README.md, "Real photos"): 350 steps at rank 8 reach 24.5 dB on the
    /// faces (21.7 at 1e-2) and 24.6 on the photograph (24.1).
    /// </summary>
    public const double LowRankLearningRate = 3e-2;

    public TuningMode Mode { get; init; } = TuningMode.LowRank;

    /// <summary>
    /// r of dW = B A, 1..<see cref="WeightDeltaFormat.MaxRank"/>; read in <see cref="TuningMode.LowRank"/> only.
    /// 8 by default: the best measured of 1 to 8 (bench/README.md), and the largest whose delta
    /// stays under 1 MiB for the official 512 px FFHQ generator.
    /// </summary>
    public int Rank { get; init; } = 8;

    public int Steps { get; init; } = DefaultSteps;

    /// <summary>Adam's learning rate; null picks <see cref="LowRankLearningRate"/> or <see cref="FullLearningRate"/> by mode.</summary>
    public double? LearningRate { get; init; }

    /// <summary>Weight of the pixel loss (mean squared error, pixels in [-1, 1]).</summary>
    public double PixelWeight { get; init; } = 1;

    /// <summary>Weight of the perceptual distance.</summary>
    public double PerceptualWeight { get; init; } = 1;

    /// <summary>Stop once a step's reconstruction is this close perceptually (before its update, as PTI); 0 never stops early.</summary>
    public double EarlyStopDistance { get; init; }

    /// <summary>
    /// Weight of PTI's locality regularization (Roich et al. 2022, section 3.2; 0.1 there, off by
    /// default in its code): at a latent w_r = pivot + <see cref="LocalityDistance"/> (w_z - pivot) /
    /// ||w_z - pivot|| toward a random w_z, the tuned generator's image is held to the untouched one's
    /// (pixel MSE + the perceptual distance), so that tuning stays local to the pivot and latent edits
    /// keep their meaning. 0 (the default) turns it off.
    /// </summary>
    public double LocalityWeight { get; init; }

    /// <summary>PTI's alpha: how far from the pivot, in W, the regularizing latent lies (30 there).</summary>
    public double LocalityDistance { get; init; } = 30;

    /// <summary>Regularize every this many steps (1 in PTI): each such step costs about two more forwards.</summary>
    public int LocalityInterval { get; init; } = 1;

    /// <summary>Seeds A's initial values (and the regularizing latents).</summary>
    public ulong Seed { get; init; } = 303;

    /// <summary>
    /// The projection that finds the pivot, PTI's first stage: one w (W space) for every row, loss
    /// pixel MSE + <paramref name="distance"/> (weight 1 each), the reference projector's schedule.
    /// </summary>
    public static InversionOptions PivotProjection(IPerceptualDistance distance, int steps = InversionOptions.DefaultSteps) => new()
    {
        Space = LatentSpace.W,
        Steps = steps,
        PerceptualDistance = distance,
        PixelWeight = 1,
        PerceptualWeight = 1,
    };

    public double EffectiveLearningRate => LearningRate ?? (Mode == TuningMode.Full ? FullLearningRate : LowRankLearningRate);
}
