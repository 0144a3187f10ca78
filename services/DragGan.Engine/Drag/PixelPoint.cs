namespace DragGan.Engine.Drag;

/// <summary>A point in image pixels: X is the column, Y the row, (0, 0) the top-left pixel's centre.</summary>
public readonly record struct PixelPoint(double X, double Y)
{
    public override string ToString() => $"({X}, {Y})";
}
