using System.Globalization;

namespace DragGan.ModelTool;

internal static class Format
{
    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):F1} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):F2} GiB"),
    };

    public static string Shape(IEnumerable<long> shape) => $"[{string.Join(", ", shape)}]";

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
