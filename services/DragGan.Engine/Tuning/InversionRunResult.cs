using DragGan.Engine.Imaging;

namespace DragGan.Engine.Tuning;

/// <summary>
/// What an <see cref="InversionRun"/> returns: the latent (PTI's pivot when tuned), the weight delta
/// when tuning ran, and the reconstruction as later edits will render it.
/// </summary>
public sealed record InversionRunResult
{
    /// <summary>w+, num_ws rows of w_dim values, row by row.</summary>
    public required float[] Latent { get; init; }

    public required int NumWs { get; init; }

    public required int WDim { get; init; }

    /// <summary>The tuned delta (its fp16 values, as it travels); null when no tuning step ran.</summary>
    public WeightDelta? Delta { get; init; }

    /// <summary>The latent rendered with constant noise and the delta.</summary>
    public required RgbImage Image { get; init; }

    /// <summary>Of <see cref="Image"/> against the target, dB with pixels in [0, 255].</summary>
    public required double Psnr { get; init; }

    /// <summary>Of <see cref="Image"/> against the target, pixels in [0, 1].</summary>
    public required double Mse { get; init; }
}
