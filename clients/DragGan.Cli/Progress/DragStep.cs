using System.Globalization;

namespace DragGan.Cli.Progress;

/// <summary>What the progress display shows of one frame of a drag.</summary>
/// <param name="Step">Steps taken.</param>
/// <param name="MaxSteps">The drag's step limit.</param>
/// <param name="Distance">Distance of the farthest handle from its target, pixels.</param>
/// <param name="StepsPerSecond">Steps per second since the drag started here.</param>
/// <param name="Resumed">The drag moved to another inference replica before this step (the previous one failed).</param>
internal readonly record struct DragStep(uint Step, uint MaxSteps, double Distance, double StepsPerSecond, bool Resumed = false)
{
    /// <summary>The plain line: <c>step 12 distance 8.4 px 9.1 steps/s</c>, with <c>resumed on another replica</c> after a failover.</summary>
    public string ToLine() => string.Create(CultureInfo.InvariantCulture,
        $"step {Step} distance {Distance:F1} px {StepsPerSecond:F1} steps/s{(Resumed ? " resumed on another replica" : "")}");
}
