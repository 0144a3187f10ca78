using DragGan.Engine.Perceptual;
using DragGan.Engine.Tests.Support;
using DragGan.Engine.Tuning;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Tuning;

[Collection(SerialCollection.Name)]
public sealed class PivotalTuningMemoryTests
{
    [Fact]
    public void StepsKeepNoExtraTensorsAliveAndDisposingReleasesEverything()
    {
        using var small = new SmallProjector();
        using var distance = ResNetPerceptualDistance.Load();
        using var target = small.Image(seed: 2);
        using var ws = small.Generator.MapSeed(1, psi: 0.7);
        var pivot = ws.data<float>().ToArray();
        var before = LiveTensors();

        using (var tuning = new PivotalTuning(small.Generator, "small", target, pivot, distance, new PivotalTuningOptions { Rank = 2, Steps = 10 }))
        {
            tuning.Step().Dispose();
            var live = LiveTensors();
            for (var i = 0; i < 4; i++)
                tuning.Step(renderPreview: i == 2).Dispose();
            Assert.Equal(live, LiveTensors());
        }
        Assert.Equal(before, LiveTensors());
    }

    private static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.TotalCount;
    }
}
