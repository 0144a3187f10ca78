namespace DragGan.Engine.Networks;

/// <summary>The [height, width] of one synthesis layer's noise input.</summary>
public readonly record struct NoiseShape(int Height, int Width);
