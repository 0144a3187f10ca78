using DragGan.Engine.Drags;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Drags;

/// <summary>The StableDrag-style confidence-gated motion supervision option, on the fixture checkpoint from seed 42.</summary>
public sealed class ConfidenceGatedSupervisionTests(TinyGenerator tiny) : IClassFixture<TinyGenerator>
{
    private readonly StyleGan2Generator _generator = tiny.Generator;

    private (List<double> Distances, float[] Latent) Drag(DragParameters parameters, int steps)
    {
        using var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        using var edit = DragEdit.Start(_generator, ws, [(new PixelPoint(100, 128), new PixelPoint(130, 128))], parameters: parameters with { MaxSteps = steps });
        var stepper = new DragStepper(_generator);
        var distances = new List<double>();
        while (!edit.Finished)
        {
            using var result = stepper.Step([edit])[0];
            distances.Add(result.Distances[0]);
        }
        using var latent = edit.CurrentLatent();
        return (distances, latent.data<float>().ToArray());
    }

    [Fact]
    public void A_gate_that_never_closes_is_DragGAN_exactly()
    {
        var dragGan = Drag(new DragParameters(), steps: 8);
        var neverGated = Drag(new DragParameters { Supervision = MotionSupervision.ConfidenceGated, ConfidenceThreshold = -1 }, steps: 8);

        Assert.Equal(dragGan.Distances, neverGated.Distances);
        Assert.Equal(dragGan.Latent, neverGated.Latent);
    }

    [Fact]
    public void A_gate_that_always_closes_supervises_with_the_template_and_still_pulls_the_handle()
    {
        var dragGan = Drag(new DragParameters(), steps: 20);
        var alwaysGated = Drag(new DragParameters { Supervision = MotionSupervision.ConfidenceGated, ConfidenceThreshold = 1 }, steps: 20);

        Assert.NotEqual(dragGan.Latent, alwaysGated.Latent);
        Assert.True(alwaysGated.Distances.Min() < alwaysGated.Distances[0], $"Distances: {string.Join(", ", alwaysGated.Distances)}.");
    }

    [Fact]
    public void A_threshold_outside_the_cosine_range_is_refused_by_name()
    {
        using var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        var error = Assert.Throws<DragInputException>(() => DragEdit.Start(_generator, ws, [(new PixelPoint(100, 128), new PixelPoint(130, 128))],
            parameters: new DragParameters { Supervision = MotionSupervision.ConfidenceGated, ConfidenceThreshold = 1.5 }));
        Assert.Equal("parameters.ConfidenceThreshold", error.Input);
    }
}
