using DragGan.Engine.Inversion;
using static TorchSharp.torch;

namespace DragGan.Engine.Tuning;

/// <summary>
/// What one step of an <see cref="InversionRun"/> measured: the projection's step or the tuning's,
/// with the run's counters. Owns the stage's result (and so its preview).
/// </summary>
public sealed class InversionRunStep : IDisposable
{
    private readonly ProjectionStepResult? _projected;
    private readonly TuningStepResult? _tuned;

    internal InversionRunStep(int step, int totalSteps, ProjectionStepResult projected)
        : this(InversionStage.Projection, step, totalSteps) => _projected = projected;

    internal InversionRunStep(int step, int totalSteps, TuningStepResult tuned)
        : this(InversionStage.Tuning, step, totalSteps) => _tuned = tuned;

    private InversionRunStep(InversionStage stage, int step, int totalSteps) => (Stage, Step, TotalSteps) = (stage, step, totalSteps);

    public InversionStage Stage { get; }

    /// <summary>Steps taken by the run, both stages counted.</summary>
    public int Step { get; }

    /// <summary>The most steps the run will take, both stages counted (tuning may stop early).</summary>
    public int TotalSteps { get; }

    public double Loss => _projected?.Loss ?? _tuned!.Loss;

    /// <summary>dB, pixels in [0, 255].</summary>
    public double Psnr => _projected?.Psnr ?? _tuned!.Psnr;

    /// <summary>Pixels in [0, 1].</summary>
    public double Mse => _projected?.Mse ?? _tuned!.Mse;

    /// <summary>The perceptual distance of the step's reconstruction; measured alone in the tuning stage only.</summary>
    public double? PerceptualDistance => _tuned?.PerceptualDistance;

    /// <summary>The step's reconstruction, [3, R, R] in [-1, 1]; null unless asked for.</summary>
    public Tensor? Preview => _projected?.Preview ?? _tuned?.Preview;

    public void Dispose()
    {
        _projected?.Dispose();
        _tuned?.Dispose();
    }
}
