using static TorchSharp.torch;

namespace DragGan.Engine.Tuning;

/// <summary>What one tuning step measured. Owns <see cref="Preview"/>.</summary>
public sealed class TuningStepResult : IDisposable
{
    /// <summary>Steps taken, this one included; a step that stops early takes no update and is not counted.</summary>
    public required int Step { get; init; }

    public required int TotalSteps { get; init; }

    /// <summary>The weighted loss of the step's reconstruction (before its update).</summary>
    public required double Loss { get; init; }

    /// <summary>PSNR of the step's reconstruction (before its update), dB with pixels in [0, 255].</summary>
    public required double Psnr { get; init; }

    /// <summary>Mean squared error of the step's reconstruction (before its update), pixels in [0, 1].</summary>
    public required double Mse { get; init; }

    /// <summary>The perceptual distance of the step's reconstruction (before its update).</summary>
    public required double PerceptualDistance { get; init; }

    /// <summary>The distance reached the early-stop threshold: no update was taken and tuning is over.</summary>
    public required bool StoppedEarly { get; init; }

    /// <summary>The step's reconstruction, [3, R, R] in [-1, 1]; null unless asked for.</summary>
    public Tensor? Preview { get; init; }

    public void Dispose() => Preview?.Dispose();
}
