namespace DragGan.Engine.Tests.Support;

/// <summary>
/// The process's peak resident memory (Linux VmHWM), which native allocations that are written to
/// count in as well as managed ones. <see cref="Reset"/> starts a new peak from the current resident
/// size (writing 5 to /proc/self/clear_refs); elsewhere both read 0, and tests relying on them bound nothing more.
/// </summary>
public static class PeakResidentMemory
{
    private const string Status = "/proc/self/status";

    /// <summary>Starts a new peak; returns the resident size it starts from, bytes.</summary>
    public static long Reset()
    {
        if (!OperatingSystem.IsLinux())
            return 0;
        File.WriteAllText("/proc/self/clear_refs", "5");
        return Field("VmRSS:");
    }

    /// <summary>The peak resident size since the last <see cref="Reset"/>, bytes.</summary>
    public static long Read() => OperatingSystem.IsLinux() ? Field("VmHWM:") : 0;

    private static long Field(string name)
    {
        var line = File.ReadLines(Status).First(l => l.StartsWith(name, StringComparison.Ordinal));
        // "VmHWM:     1768 kB"
        return long.Parse(line[name.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
