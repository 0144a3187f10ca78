using System.Runtime.InteropServices;

namespace DragGan.Sessions.Exports;

/// <summary>
/// The calling thread's CPU niceness on Linux, where it is a per-thread attribute (sched(7)):
/// setpriority(PRIO_PROCESS, tid) changes that thread alone, and a process it starts inherits it.
/// .NET's <see cref="Thread.Priority"/> changes nothing on Linux, hence the call into libc.
/// Raising niceness (running later) needs no privilege; lowering it does.
/// </summary>
internal static partial class ThreadNiceness
{
    private const int PrioProcess = 0; // PRIO_PROCESS: "who" is a process id, or on Linux a thread id

    /// <summary>
    /// Sets the calling thread's niceness; null when it was set or the OS has no per-thread
    /// niceness (anything but Linux), otherwise why not (the errno).
    /// </summary>
    public static string? TrySetCurrent(int niceness)
    {
        if (!OperatingSystem.IsLinux())
            return null;
        try
        {
            return SetPriority(PrioProcess, GetThreadId(), niceness) == 0
                ? null
                : $"setpriority failed with errno {Marshal.GetLastPInvokeError()}";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return $"libc has no setpriority or gettid ({e.Message})";
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "gettid")]
    private static partial int GetThreadId();

    [LibraryImport("libc.so.6", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);
}
