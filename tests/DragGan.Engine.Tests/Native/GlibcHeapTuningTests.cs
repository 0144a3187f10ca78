using System.Runtime.InteropServices;
using DragGan.Engine.Native;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Native;

/// <summary>
/// With the engine's heap setting, a large CPU tensor comes from the heap, where freed blocks are
/// reused, instead of a fresh mapping that the kernel must fault in and zero on every allocation.
/// </summary>
public sealed partial class GlibcHeapTuningTests
{
    [Fact]
    public void LargeTensorsAreServedFromTheHeapNotFreshMappings()
    {
        Assert.True(OperatingSystem.IsLinux(), "glibc's allocator is what this checks");
        Assert.True(GlibcHeapTuning.EnsureApplied(), "mallopt was refused");

        // A thread of its own, as the services step drags on pool threads with their own arenas.
        long mappedGrowth = -1;
        var worker = new Thread(() =>
        {
            var mappedBefore = MallInfo2().MappedBytes;
            // 48 MiB: above glibc's largest mmap threshold (32 MiB), within an arena heap (64 MiB).
            using var large = zeros(12L << 20, ScalarType.Float32);
            large.add_(1);
            Assert.Equal(1f, large[^1].item<float>());
            mappedGrowth = MallInfo2().MappedBytes - mappedBefore;
        });
        worker.Start();
        worker.Join();
        Assert.InRange(mappedGrowth, 0, (32L << 20) - 1);
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct MallInfo
    {
        public readonly nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, UsmBlks, FsmBlks, UordBlks, FordBlks, KeepCost;

        /// <summary>hblkhd: bytes held in chunks glibc mapped individually.</summary>
        public long MappedBytes => (long)HBlkHd;
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallinfo2")]
    private static partial MallInfo MallInfo2();
}
