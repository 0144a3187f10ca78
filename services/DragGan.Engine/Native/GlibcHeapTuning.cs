using System.Runtime.InteropServices;

namespace DragGan.Engine.Native;

/// <summary>
/// Keeps libtorch's large CPU buffers in the process heap. glibc serves every allocation above its
/// mmap threshold (at most 32 MiB) with a fresh mmap and returns it with munmap when freed, so each
/// op on a batched activation (4 edits' b128 map is 64 MiB) page-faults and has the kernel zero its
/// pages again: measured, that alone made a 4-edit depthwise filter 2.9x and the modulation ops
/// 3.3x the cost of 4 single ones (bench/README.md, "Why batching cost more"). With chunk mmaps off
/// and a high trim threshold, freed blocks are reused as PyTorch's CPU tuning guide gets from
/// jemalloc or tcmalloc. A thread's own arena grows in heaps of at most 64 MiB and still maps any
/// larger block by itself, which is one reason the drag stepper keeps its CPU activations within
/// 32 MiB (<see cref="Drags.DragStepper.ActivationBudgetBytes"/>). Applied when the first generator
/// is created. glibc only; elsewhere nothing changes. <c>DRAGGAN_GLIBC_HEAP_TUNING=off</c> leaves the allocator as it is (e.g. when
/// another malloc is preloaded).
/// </summary>
public static partial class GlibcHeapTuning
{
    public const string SwitchVariable = "DRAGGAN_GLIBC_HEAP_TUNING";

    private const int TrimThresholdOption = -1; // M_TRIM_THRESHOLD
    private const int MmapMaxOption = -4;       // M_MMAP_MAX
    // Freed memory at the top of a heap is returned to the system only beyond this.
    private const int TrimThresholdBytes = int.MaxValue;

    private static readonly Lazy<bool> Applied = new(Apply);

    /// <summary>Applies the settings once per process; true when glibc took them.</summary>
    public static bool EnsureApplied() => Applied.Value;

    private static bool Apply()
    {
        if (!OperatingSystem.IsLinux() || string.Equals(Environment.GetEnvironmentVariable(SwitchVariable), "off", StringComparison.OrdinalIgnoreCase))
            return false;
        try
        {
            return Mallopt(MmapMaxOption, 0) == 1 && Mallopt(TrimThresholdOption, TrimThresholdBytes) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (e.g. musl): its allocator is left alone
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int Mallopt(int option, int value);
}
