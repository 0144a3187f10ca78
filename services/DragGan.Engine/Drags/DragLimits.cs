namespace DragGan.Engine.Drags;

/// <summary>Bounds on what one edit may ask for.</summary>
public sealed record DragLimits
{
    public int MaxPoints { get; init; } = 32;

    public static DragLimits Default { get; } = new();
}
