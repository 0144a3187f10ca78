using System.Runtime.InteropServices;

namespace DragGan.Inference.Telemetry;

/// <summary>
/// GPU memory in use, read through NVML (libnvidia-ml.so.1, which the NVIDIA container runtime
/// mounts into GPU pods). TorchSharp exposes no CUDA memory statistics, and NVML's figure (the
/// whole process's use, caching allocator included) is what matters for fitting streams on a GPU.
/// On machines without the driver library it reports nothing.
/// </summary>
internal static partial class NvmlMemoryProbe
{
    private const string Library = "libnvidia-ml.so.1";
    private static readonly Lazy<bool> Initialized = new(TryInitialize);

    /// <summary>Bytes used on each GPU, in device order; empty without NVML.</summary>
    public static IReadOnlyList<long> Read()
    {
        if (!Initialized.Value || nvmlDeviceGetCount_v2(out var count) != 0)
            return [];
        var used = new List<long>((int)count);
        for (uint i = 0; i < count; i++)
        {
            if (nvmlDeviceGetHandleByIndex_v2(i, out var device) == 0 && nvmlDeviceGetMemoryInfo(device, out var memory) == 0)
                used.Add((long)memory.Used);
        }
        return used;
    }

    private static bool TryInitialize()
    {
        try
        {
            return nvmlInit_v2() == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct NvmlMemory
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }

    [LibraryImport(Library)]
    private static partial int nvmlInit_v2();

    [LibraryImport(Library)]
    private static partial int nvmlDeviceGetCount_v2(out uint count);

    [LibraryImport(Library)]
    private static partial int nvmlDeviceGetHandleByIndex_v2(uint index, out nint device);

    [LibraryImport(Library)]
    private static partial int nvmlDeviceGetMemoryInfo(nint device, out NvmlMemory memory);
}
