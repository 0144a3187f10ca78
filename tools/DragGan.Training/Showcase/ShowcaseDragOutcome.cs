using DragGan.Engine.Drags;

namespace DragGan.Training.Showcase;

/// <summary>Where a showcase drag ended: its steps, whether it converged, and its handle.</summary>
internal sealed record ShowcaseDragOutcome(int Steps, bool Converged, PixelPoint Handle);
