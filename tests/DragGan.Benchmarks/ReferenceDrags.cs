using System.Text.Json;
using DragGan.Engine.Drags;

namespace DragGan.Benchmarks;

/// <summary>Reading the fixture's drag_reference.json.</summary>
internal static class ReferenceDrags
{
    /// <summary>The file stores [row, col]; the engine takes (x, y).</summary>
    public static IEnumerable<PixelPoint> ReadPoints(JsonElement points) =>
        points.EnumerateArray().Select(p => new PixelPoint(p[1].GetDouble(), p[0].GetDouble()));
}
