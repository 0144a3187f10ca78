using System.Globalization;

namespace DragGan.Engine.Drags;

/// <summary>A point in image pixels: X is the column, Y the row, (0, 0) the top-left pixel's centre.</summary>
public readonly record struct PixelPoint(double X, double Y)
{
    public override string ToString() => $"({X}, {Y})";

    /// <summary>Reads a handle and its target written as the command lines take them, <c>x,y:x2,y2</c> (invariant culture).</summary>
    public static bool TryParsePair(string text, out PixelPoint handle, out PixelPoint target)
    {
        handle = target = default;
        var halves = text.Split(':');
        return halves.Length == 2 && TryParse(halves[0], out handle) && TryParse(halves[1], out target);
    }

    /// <summary>Reads a point written <c>x,y</c> (invariant culture).</summary>
    public static bool TryParse(string text, out PixelPoint point)
    {
        var parts = text.Split(',');
        point = default;
        if (parts.Length != 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
            return false;
        point = new PixelPoint(x, y);
        return true;
    }
}
