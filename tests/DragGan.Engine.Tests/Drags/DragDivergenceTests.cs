using DragGan.Engine.Drags;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Drags;

/// <summary>
/// A step whose loss or gradient is not finite is not taken: the stepper names the diverged edit,
/// leaves every edit of the batch as it was, and the others step on exactly as they would have.
/// Parameters that could only push the loss out of float32's range are refused up front.
/// </summary>
public sealed class DragDivergenceTests(TinyGenerator tiny) : IClassFixture<TinyGenerator>
{
    private readonly StyleGan2Generator _generator = tiny.Generator;

    private DragEdit StartSeed42()
    {
        using var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        return DragEdit.Start(_generator, ws, [(new PixelPoint(100, 128), new PixelPoint(130, 128))]);
    }

    /// <summary>A latent near float32's largest value: finite, but its forward overflows.</summary>
    private DragEdit StartOverflowing()
    {
        using var ws = full(new long[] { _generator.NumWs, _generator.Config.WDim }, 3e38f);
        return DragEdit.Start(_generator, ws, [(new PixelPoint(100, 128), new PixelPoint(130, 128))]);
    }

    [Fact]
    public void DivergedEdit_IsNamed_AndNoEditOfTheBatchChanges()
    {
        var stepper = new DragStepper(_generator);
        using var good = StartSeed42();
        using var bad = StartOverflowing();
        stepper.Step([good]).Single().Dispose();
        var goodBefore = good.Snapshot();
        var badBefore = bad.Snapshot();

        var error = Assert.Throws<DragDivergedException>(() => stepper.Step([good, bad]));

        Assert.Equal([1], error.EditIndices);
        AssertSameState(goodBefore, good.Snapshot());
        AssertSameState(badBefore, bad.Snapshot());
        Assert.All(bad.Snapshot().Latent, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void AfterADivergedBatch_TheOtherEditStepsAsIfNothingHappened()
    {
        var stepper = new DragStepper(_generator);
        using var witness = StartSeed42();
        using var survivor = StartSeed42();
        using var bad = StartOverflowing();

        Assert.Throws<DragDivergedException>(() => stepper.Step([survivor, bad]));
        for (var i = 0; i < 3; i++)
        {
            using var expected = stepper.Step([witness]).Single();
            using var actual = stepper.Step([survivor]).Single();
            Assert.Equal(expected.Handles, actual.Handles);
            Assert.Equal(expected.Loss, actual.Loss);
        }
        AssertSameState(witness.Snapshot(), survivor.Snapshot());
    }

    [Theory]
    [InlineData("parameters.MaskWeight")]
    [InlineData("parameters.LatentRegularization")]
    public void WeightsBeyondTheBound_AreRefusedNamingTheField(string field)
    {
        var parameters = field == "parameters.MaskWeight"
            ? new DragParameters { MaskWeight = 1e30 }
            : new DragParameters { LatentRegularization = 1e30 };
        using var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));

        var error = Assert.Throws<DragInputException>(() => DragEdit.Start(_generator, ws, [(new PixelPoint(100, 128), new PixelPoint(130, 128))], parameters: parameters));

        Assert.Equal(field, error.Input);
        Assert.Contains("must be in [0, 10000]", error.Message);
    }

    [Theory]
    [InlineData(float.NaN, 0f, "state.Adam.FirstMoment")]
    [InlineData(0f, float.PositiveInfinity, "state.Adam.SecondMoment")]
    [InlineData(0f, -1f, "state.Adam.SecondMoment")]
    public void ResumedAdamMoments_MustBeFinite(float first, float second, string field)
    {
        using var edit = StartSeed42();
        new DragStepper(_generator).Step([edit]).Single().Dispose();
        var state = edit.Snapshot();
        var adam = state.Adam!;
        var broken = state with { Adam = adam with { FirstMoment = [.. adam.FirstMoment], SecondMoment = [.. adam.SecondMoment] } };
        broken.Adam!.FirstMoment[7] = first == 0 ? broken.Adam.FirstMoment[7] : first;
        broken.Adam.SecondMoment[7] = second == 0 ? broken.Adam.SecondMoment[7] : second;

        var error = Assert.Throws<DragInputException>(() => DragEdit.Resume(_generator, broken));

        Assert.Equal(field, error.Input);
        Assert.Contains("value 7", error.Message);
    }

    private static void AssertSameState(DragEditState expected, DragEditState actual)
    {
        Assert.Equal(expected.Step, actual.Step);
        Assert.Equal(expected.Latent, actual.Latent);
        Assert.Equal(expected.Handles.Select(h => h.Handle), actual.Handles.Select(h => h.Handle));
        Assert.Equal(expected.Handles.Select(h => h.ReferenceFeature), actual.Handles.Select(h => h.ReferenceFeature));
        Assert.Equal(expected.Adam!.Steps, actual.Adam!.Steps);
        Assert.Equal(expected.Adam.FirstMoment, actual.Adam.FirstMoment);
        Assert.Equal(expected.Adam.SecondMoment, actual.Adam.SecondMoment);
    }
}
