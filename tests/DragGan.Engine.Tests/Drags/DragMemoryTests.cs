using DragGan.Engine.Drags;
using DragGan.Engine.Tests.Support;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Drags;

[Collection(SerialCollection.Name)]
public sealed class DragMemoryTests
{
    [Fact]
    public void SteadyStateKeepsNoExtraTensorsAlive()
    {
        using var tiny = new TinyGenerator();
        using var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        using var edit = DragEdit.Start(tiny.Generator, ws, [(new PixelPoint(100, 128), new PixelPoint(130, 128))],
            parameters: new DragParameters { MaxSteps = 1000, StopDistance = 0.5 });
        var stepper = new DragStepper(tiny.Generator);
        for (var i = 0; i < 5; i++)
            stepper.Step([edit]).Single().Dispose();

        var live = LiveTensors();
        for (var i = 0; i < 40; i++)
        {
            if (i == 20)
                edit.AddPoint(new PixelPoint(60, 60), new PixelPoint(70, 60));
            if (i == 30)
                edit.RemovePoint(1);
            stepper.Step([edit], [i % 10 == 0]).Single().Dispose();
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
