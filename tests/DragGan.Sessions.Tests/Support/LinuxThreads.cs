using System.Globalization;

namespace DragGan.Sessions.Tests.Support;

/// <summary>
/// This process's threads as Linux reports them in <c>/proc/self/task/&lt;tid&gt;/stat</c>
/// (proc(5)): read here independently of the service's own priority code.
/// </summary>
public static class LinuxThreads
{
    /// <summary>A thread's niceness (field 19) and the CPU it has used, user and system (fields 14 and 15), in clock ticks.</summary>
    public readonly record struct ThreadStat(int ThreadId, int Niceness, long CpuTicks);

    /// <summary>Linux's USER_HZ, what <c>stat</c> counts CPU time in: 100 on every architecture .NET runs on.</summary>
    public const int TicksPerSecond = 100;

    /// <summary>The calling thread's niceness.</summary>
    public static int CurrentNiceness() => Parse(-1, File.ReadAllText("/proc/thread-self/stat")).Niceness;

    /// <summary>The calling thread's id (what <c>gettid</c> answers): <c>/proc/thread-self</c> links to <c>&lt;pid&gt;/task/&lt;tid&gt;</c>.</summary>
    public static int CurrentThreadId() =>
        int.Parse(Path.GetFileName(new DirectoryInfo("/proc/thread-self").LinkTarget!), CultureInfo.InvariantCulture);

    /// <summary>Whether the thread <paramref name="threadId"/> of this process still exists.</summary>
    public static bool Exists(int threadId) => Directory.Exists($"/proc/self/task/{threadId}");

    /// <summary>Every thread of this process that still runs.</summary>
    public static List<ThreadStat> All()
    {
        var threads = new List<ThreadStat>();
        foreach (var folder in Directory.EnumerateDirectories("/proc/self/task"))
        {
            var id = int.Parse(Path.GetFileName(folder), CultureInfo.InvariantCulture);
            try
            {
                threads.Add(Parse(id, File.ReadAllText(Path.Combine(folder, "stat"))));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
                // It ended between the listing and the read.
            }
        }
        return threads;
    }

    /// <summary>CPU time, seconds, used so far by this process's threads at <paramref name="niceness"/>.</summary>
    public static double CpuSecondsAt(int niceness) =>
        All().Where(t => t.Niceness == niceness).Sum(t => t.CpuTicks) / (double)TicksPerSecond;

    // The name (field 2) is in parentheses and may hold spaces: the fields are counted after its last ')'.
    private static ThreadStat Parse(int threadId, string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return new ThreadStat(threadId, (int)Field(19), Field(14) + Field(15));
    }
}
