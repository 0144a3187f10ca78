using static TorchSharp.torch;

namespace DragGan.Engine.Inversion;

/// <summary>What one projection step produced. Owns <see cref="Preview"/>.</summary>
public sealed class ProjectionStepResult : IDisposable
{
    /// <summary>Steps taken, this one included (1 after the first).</summary>
    public required int Step { get; init; }

    public required int TotalSteps { get; init; }

    /// <summary>
    /// The image terms of this step's loss, before its update: the weighted pixel MSE (pixels in
    /// [-1, 1]) plus the weighted perceptual distance, at w plus this step's noise (the reference's
    /// <c>dist</c>). The noise penalty is reported apart, in <see cref="NoisePenalty"/>.
    /// </summary>
    public required double Loss { get; init; }

    /// <summary>
    /// The weighted autocorrelation penalty of the noise buffers this step (0 when they are not
    /// optimised). Optimised as well; with weight 1e5 it dominates the total early in a run.
    /// </summary>
    public required double NoisePenalty { get; init; }

    /// <summary>The learning rate the step's update used.</summary>
    public required double LearningRate { get; init; }

    /// <summary>MSE of the reconstruction after the update (constant noise), pixels in [0, 1].</summary>
    public required double Mse { get; init; }

    /// <summary>PSNR of the reconstruction after the update, dB (pixels in [0, 255]).</summary>
    public required double Psnr { get; init; }

    /// <summary>This step's reconstruction is the best so far (lowest MSE).</summary>
    public required bool IsBest { get; init; }

    /// <summary>The reconstruction after the update with constant noise, [3, R, R] in [-1, 1]; null unless asked for.</summary>
    public Tensor? Preview { get; init; }

    public bool Finished => Step >= TotalSteps;

    public void Dispose() => Preview?.Dispose();
}
