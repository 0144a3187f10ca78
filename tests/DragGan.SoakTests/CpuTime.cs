using System.Diagnostics;
using System.Globalization;

namespace DragGan.SoakTests;

/// <summary>
/// CPU seconds spent so far by each service process (with the children it waited for, such as
/// ffmpeg), by the soak's own clients, and by the whole machine, from /proc: the difference of two
/// readings shows where a phase's CPU went, and how much of it other work on the machine took.
/// </summary>
internal static class CpuTime
{
    // USER_HZ, the unit of /proc's CPU times: 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    public static Dictionary<string, double> Read(IEnumerable<ServiceProcess> services)
    {
        var seconds = services.ToDictionary(s => s.Name, s => ProcessSeconds(s.ProcessId));
        seconds["soak_clients"] = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        seconds["machine"] = MachineBusySeconds();
        return seconds;
    }

    /// <summary>CPU seconds of each entry between two readings, with "other" the machine's less the soak's processes'.</summary>
    public static Dictionary<string, double> Between(Dictionary<string, double> before, Dictionary<string, double> after)
    {
        var spent = after.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value - before.GetValueOrDefault(kv.Key), 1));
        spent["other"] = Math.Round(spent["machine"] - spent.Where(kv => kv.Key != "machine").Sum(kv => kv.Value), 1);
        return spent;
    }

    /// <summary>utime + stime + cutime + cstime of /proc/PID/stat (fields 14 to 17).</summary>
    private static double ProcessSeconds(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            // The command name (field 2) may hold spaces; the fields after it follow its ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Skip(11).Take(4).Sum(f => double.Parse(f, CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0; // exited
        }
    }

    /// <summary>All CPUs' time not idle or waiting for I/O (the first line of /proc/stat).</summary>
    private static double MachineBusySeconds()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal ...
        return (fields.Take(8).Sum() - fields[3] - fields[4]) / TicksPerSecond;
    }
}
