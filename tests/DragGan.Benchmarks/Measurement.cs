using System.Diagnostics;

namespace DragGan.Benchmarks;

/// <summary>Times repeated runs of an action after warm-up and reports the median.</summary>
internal static class Measurement
{
    public static double MedianMilliseconds(Action action, int warmup, int repeats, Action? synchronize = null)
    {
        for (var i = 0; i < warmup; i++)
        {
            action();
            synchronize?.Invoke();
        }
        var samples = new double[repeats];
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            action();
            synchronize?.Invoke();
            samples[i] = watch.Elapsed.TotalMilliseconds;
        }
        Array.Sort(samples);
        return repeats % 2 == 1 ? samples[repeats / 2] : (samples[repeats / 2 - 1] + samples[repeats / 2]) / 2;
    }

    /// <summary>Peak resident set size of this process so far (VmHWM), MiB; 0 where /proc is absent.</summary>
    public static double PeakResidentMiB() => ReadStatus("VmHWM:");

    public static double ResidentMiB() => ReadStatus("VmRSS:");

    /// <summary>Resets the peak to the current resident size (Linux: "5" to clear_refs), so that a row reports its own peak.</summary>
    public static void ResetPeakResident()
    {
        const string path = "/proc/self/clear_refs";
        if (File.Exists(path))
            File.WriteAllText(path, "5");
    }

    private static double ReadStatus(string key)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
            return 0;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[key.Length..].Trim().Split(' ')[0]) / 1024;
    }
}
