namespace DragGan.Engine.Drags;

/// <summary>
/// A step of one or more edits produced a loss or gradient that is not finite (NaN or infinity),
/// which Adam would have written into the latent. The step was not taken: every edit of the
/// batch is as it was before it, and the others can be stepped again without these.
/// </summary>
public sealed class DragDivergedException(IReadOnlyList<int> editIndices)
    : Exception($"The step of edit{(editIndices.Count == 1 ? "" : "s")} {string.Join(", ", editIndices)} of the batch diverged: the loss or its gradient is not finite (NaN or infinity).")
{
    /// <summary>Positions of the diverged edits in the list given to <see cref="DragStepper.Step"/>.</summary>
    public IReadOnlyList<int> EditIndices { get; } = editIndices;
}
