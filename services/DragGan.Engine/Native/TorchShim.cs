using System.Runtime.InteropServices;

namespace DragGan.Engine.Native;

/// <summary>
/// The engine's own small native library of ATen switches that TorchSharp does not expose
/// (bench/gpu/shim), built against the same libtorch as TorchSharp's native library. Optional: where
/// it is not beside the application or on the loader's path, nothing changes.
/// </summary>
public static class TorchShim
{
    public const string LibraryName = "DragGanTorchShim";

    private static readonly Lazy<nint> Library = new(() =>
        NativeLibrary.TryLoad(LibraryName, typeof(TorchShim).Assembly, null, out var handle) ? handle : 0);

    private static readonly Lazy<bool> CudnnBenchmarkEnabled = new(() =>
    {
        if (Library.Value == 0 || !NativeLibrary.TryGetExport(Library.Value, "draggan_set_cudnn_benchmark", out var export))
            return false;
        Marshal.GetDelegateForFunctionPointer<SetSwitch>(export)(1);
        return true;
    });

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetSwitch(int enabled);

    /// <summary>Whether the shim was found.</summary>
    public static bool IsAvailable => Library.Value != 0;

    /// <summary>
    /// Turns cuDNN autotuning on, once per process: drags repeat the same convolution shapes every
    /// step. True when the shim did it. <c>DRAGGAN_CUDNN_BENCHMARK=off</c> keeps cuDNN's heuristics.
    /// </summary>
    public static bool EnsureCudnnBenchmark() =>
        !string.Equals(Environment.GetEnvironmentVariable("DRAGGAN_CUDNN_BENCHMARK"), "off", StringComparison.OrdinalIgnoreCase)
        && CudnnBenchmarkEnabled.Value;
}
