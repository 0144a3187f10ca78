using static TorchSharp.torch;

namespace DragGan.Engine.Tuning;

/// <summary>What one step of an <see cref="InversionRun"/> measured, in either stage. Owns <see cref="Preview"/>.</summary>
public sealed class InversionRunStep : IDisposable
{
    public required InversionStage Stage { get; init; }

    /// <summary>Steps taken by the run, both stages counted.</summary>
    public required int Step { get; init; }

    /// <summary>The most steps the run will take, both stages counted (tuning may stop early).</summary>
    public required int TotalSteps { get; init; }

    public required double Loss { get; init; }

    /// <summary>dB, pixels in [0, 255].</summary>
    public required double Psnr { get; init; }

    /// <summary>Pixels in [0, 1].</summary>
    public required double Mse { get; init; }

    /// <summary>The perceptual distance of the step's reconstruction; measured alone in the tuning stage only.</summary>
    public double? PerceptualDistance { get; init; }

    /// <summary>The step's reconstruction, [3, R, R] in [-1, 1]; null unless asked for.</summary>
    public Tensor? Preview { get; init; }

    public void Dispose() => Preview?.Dispose();
}
