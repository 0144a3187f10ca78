namespace DragGan.Engine.Networks;

/// <summary>
/// Where a generator's own image lies within its square frame, in frame pixels: the whole frame for
/// square generators; the middle columns for a rectangular one padded to a square (StyleGAN-Human),
/// so that clients can crop the padding away.
/// </summary>
public readonly record struct ContentRectangle(int X, int Y, int Width, int Height)
{
    public static ContentRectangle Square(int resolution) => new(0, 0, resolution, resolution);

    public bool IsWholeFrame(int resolution) => X == 0 && Y == 0 && Width == resolution && Height == resolution;
}
