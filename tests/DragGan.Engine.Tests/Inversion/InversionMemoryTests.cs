using DragGan.Engine.Inversion;
using DragGan.Engine.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Inversion;

[Collection(SerialCollection.Name)]
public sealed class InversionMemoryTests
{
    [Fact]
    public void SteadyStateKeepsNoExtraTensorsAlive()
    {
        using var small = new SmallProjector();
        using var target = small.Image();
        using var projection = small.Projector.Start(target, new InversionOptions { Steps = 100 });
        for (var i = 0; i < 5; i++)
            projection.Step().Dispose();

        var live = LiveTensors();
        for (var i = 0; i < 60; i++)
        {
            using var result = projection.Step(renderPreview: i % 10 == 0);
            _ = projection.CurrentLatent();
        }
        Assert.Equal(live, LiveTensors());
    }

    [Fact]
    public void DisposingAProjectionReleasesEverythingItHeld()
    {
        using var small = new SmallProjector();
        using var target = small.Image();
        _ = small.Projector.Statistics;
        var live = LiveTensors();
        using (var projection = small.Projector.Start(target, new InversionOptions { Steps = 10 }))
        {
            for (var i = 0; i < 3; i++)
                projection.Step(renderPreview: true).Dispose();
        }
        Assert.Equal(live, LiveTensors());
    }

    // Unreferenced tensors of earlier tests are released by finalizers; settle them before counting.
    private static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.TotalCount;
    }
}
