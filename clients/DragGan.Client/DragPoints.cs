using DragGan.Protos.V1;

namespace DragGan.Client;

/// <summary>Shorthands for the points of a drag, in image pixels ((0, 0) is the centre of the top-left pixel).</summary>
public static class DragPoints
{
    /// <summary>A pixel position.</summary>
    public static Point At(double x, double y) => new() { X = x, Y = y };

    /// <summary>Move the content at (<paramref name="handleX"/>, <paramref name="handleY"/>) to (<paramref name="targetX"/>, <paramref name="targetY"/>).</summary>
    public static PointPair Pair(double handleX, double handleY, double targetX, double targetY) =>
        new() { Handle = At(handleX, handleY), Target = At(targetX, targetY) };
}
