using System.Globalization;
using DragGan.Client;
using DragGan.Protos.V1;

namespace DragGan.Cli;

/// <summary>The --point values: 'x,y:x2,y2', a handle and its target in image pixels.</summary>
internal static class PointPairs
{
    public static IReadOnlyList<PointPair> Parse(IEnumerable<string> values) => values.Select(Parse).ToArray();

    public static PointPair Parse(string text)
    {
        var halves = text.Split(':');
        if (halves.Length == 2 && TryParsePoint(halves[0], out var handle) && TryParsePoint(halves[1], out var target))
            return new PointPair { Handle = handle, Target = target };
        throw new CliException(ExitCodes.Usage, $"--point must look like 'x,y:x2,y2' (handle, then target, in pixels), got '{text}'.");
    }

    public static string Format(Point point) => string.Create(CultureInfo.InvariantCulture, $"({point.X:0.#},{point.Y:0.#})");

    private static bool TryParsePoint(string text, out Point point)
    {
        var parts = text.Split(',');
        point = new Point();
        if (parts.Length != 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
            || !double.IsFinite(x) || !double.IsFinite(y))
            return false;
        point = DragPoints.At(x, y);
        return true;
    }
}
