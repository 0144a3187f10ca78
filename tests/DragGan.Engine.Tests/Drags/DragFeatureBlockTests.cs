using DragGan.Engine.Drags;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Drags;

/// <summary>Drags on another synthesis block's features than the reference's b128, for measuring which block suits a model.</summary>
public sealed class DragFeatureBlockTests
{
    [Fact]
    public void A_chosen_block_gives_the_drag_feature_and_a_drag_steps_on_it()
    {
        using var tiny = new TinyGenerator();
        var generator = tiny.Generator;
        Assert.Equal(128, generator.DragFeatureResolution);

        generator.UseDragFeatureBlock(64);

        Assert.Equal((generator.Config.ChannelsAt(64), 64), (generator.DragFeatureChannels, generator.DragFeatureResolution));
        using var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        using (var synthesis = generator.Synthesize(ws, new SynthesisOptions { DragFeature = true }))
            Assert.Equal([1, generator.Config.ChannelsAt(64), 64, 64], synthesis.DragFeature!.shape);
        using var edit = DragEdit.Start(generator, ws, [(new PixelPoint(100, 128), new PixelPoint(130, 128))]);
        var stepper = new DragStepper(generator);
        for (var i = 0; i < 3; i++)
        {
            foreach (var result in stepper.Step([edit]))
            {
                Assert.True(double.IsFinite(result.Loss) && result.Loss > 0, $"Step {result.Step} loss {result.Loss}.");
                result.Dispose();
            }
        }
        Assert.Equal(3, edit.Step);
    }

    [Fact]
    public void A_resolution_that_is_no_block_of_the_generator_is_refused()
    {
        using var tiny = new TinyGenerator();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => tiny.Generator.UseDragFeatureBlock(100));

        Assert.Equal("resolution", error.ParamName);
        Assert.Equal(128, tiny.Generator.DragFeatureResolution);
    }
}
