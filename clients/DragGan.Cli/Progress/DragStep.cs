using System.Globalization;

namespace DragGan.Cli.Progress;

/// <summary>What the progress display shows of one frame of a drag.</summary>
/// <param name="Step">Steps taken.</param>
/// <param name="MaxSteps">The drag's step limit.</param>
/// <param name="Distance">Distance of the farthest handle from its target, pixels.</param>
/// <param name="StepsPerSecond">Steps per second since the drag started here.</param>
internal readonly record struct DragStep(uint Step, uint MaxSteps, double Distance, double StepsPerSecond)
{
    /// <summary>The plain line: <c>step 12 distance 8.4 px 9.1 steps/s</c>.</summary>
    public string ToLine() => string.Create(CultureInfo.InvariantCulture, $"step {Step} distance {Distance:F1} px {StepsPerSecond:F1} steps/s");
}
