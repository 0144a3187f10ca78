using static TorchSharp.torch;

namespace DragGan.Engine.Drags;

/// <summary>What one step of one edit produced. Owns <see cref="Image"/>.</summary>
public sealed class DragStepResult : IDisposable
{
    /// <summary>Steps this edit has taken, this one included.</summary>
    public required int Step { get; init; }

    /// <summary>Tracked handle positions after this step's point tracking.</summary>
    public required IReadOnlyList<PixelPoint> Handles { get; init; }

    public required IReadOnlyList<PixelPoint> Targets { get; init; }

    /// <summary>Distance of each handle to its target, pixels.</summary>
    public required IReadOnlyList<double> Distances { get; init; }

    /// <summary>Motion + mask (+ regularisation) loss of this step; 0 when it converged.</summary>
    public required double Loss { get; init; }

    /// <summary>Every handle is within the stop distance: no update was made.</summary>
    public required bool Converged { get; init; }

    /// <summary>The edit reached its step limit without converging.</summary>
    public required bool StepLimitReached { get; init; }

    /// <summary>The image of this step's forward (before the update), [3, H, W] in [-1, 1]; null unless asked for.</summary>
    public Tensor? Image { get; init; }

    public bool Finished => Converged || StepLimitReached;

    public void Dispose() => Image?.Dispose();
}
