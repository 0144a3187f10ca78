using DragGan.Engine.Drags;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using DragGan.Engine.Tuning;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Drags;

/// <summary>
/// Drags of tuned photos: each edit carries its pivotal-tuning delta, renders and steps with it,
/// and steps in one batch with edits of other deltas and with none, on the fixture checkpoint.
/// </summary>
public sealed class TunedDragTests(TinyGenerator tiny) : IClassFixture<TinyGenerator>
{
    private static readonly (PixelPoint, PixelPoint)[] FirstPoints = [(new PixelPoint(100, 128), new PixelPoint(130, 128))];
    private static readonly (PixelPoint, PixelPoint)[] SecondPoints = [(new PixelPoint(90, 90), new PixelPoint(110, 80)), (new PixelPoint(160, 170), new PixelPoint(140, 180))];

    private readonly StyleGan2Generator _generator = tiny.Generator;

    private static Tensor Seed42Ws() => Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));

    [Fact]
    public void TunedEditsAndAnEditWithoutADeltaStepInOneBatchAsEachAlone()
    {
        using var scope = NewDisposeScope();
        var first = RandomDelta(seed: 1, rank: 2);
        var second = RandomDelta(seed: 2, rank: 4);
        DragEdit[] alone = [Start(first, FirstPoints), Start(second, SecondPoints, seed: 7), Start(null, FirstPoints, seed: 9)];
        DragEdit[] batched = [Start(first, FirstPoints), Start(second, SecondPoints, seed: 7), Start(null, FirstPoints, seed: 9)];
        var stepper = new DragStepper(_generator);
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var each = alone.Select(edit => stepper.Step([edit])[0]).ToArray();
                var together = stepper.Step(batched);
                for (var e = 0; e < alone.Length; e++)
                {
                    Assert.Equal(each[e].Handles, together[e].Handles);
                    Assert.Equal(each[e].Loss, together[e].Loss, 4);
                }
            }
            // A batch shares the convolution and adds each delta's grouped convolution beside it, so
            // gradients differ from a lone edit's at float rounding (as BatchedStepsEqualSequentialSteps).
            for (var e = 0; e < alone.Length; e++)
                AssertSameLatent(alone[e], batched[e]);
        }
        finally
        {
            foreach (var edit in alone.Concat(batched))
                edit.Dispose();
        }
    }

    [Fact]
    public void AnEditWithoutADeltaStepsBitForBitTheSameBesideATunedEdit()
    {
        using var scope = NewDisposeScope();
        using var tuned = Start(RandomDelta(seed: 3, rank: 2), SecondPoints, seed: 7);
        using var untuned = Start(null, SecondPoints, seed: 7);
        using var plainBesideTuned = Start(null, FirstPoints);
        using var plainBesideUntuned = Start(null, FirstPoints);
        var stepper = new DragStepper(_generator);

        for (var i = 0; i < 5; i++)
        {
            var withDelta = stepper.Step([tuned, plainBesideTuned], [true, true]);
            var withoutDelta = stepper.Step([untuned, plainBesideUntuned], [true, true]);
            Assert.Equal(withoutDelta[1].Handles, withDelta[1].Handles);
            Assert.Equal(withoutDelta[1].Loss, withDelta[1].Loss);
            Assert.True(withoutDelta[1].Image!.eq(withDelta[1].Image!).all().item<bool>(), $"step {i + 1}: the plain edit's frame changed beside a tuned edit");
            Assert.False(withoutDelta[0].Image!.eq(withDelta[0].Image!).all().item<bool>(), $"step {i + 1}: the delta had no effect");
        }
        Assert.True(plainBesideTuned.CurrentLatent().eq(plainBesideUntuned.CurrentLatent()).all().item<bool>());
    }

    [Fact]
    public void ATunedEditsFirstFrameIsTheTunedGeneratorsRender()
    {
        using var scope = NewDisposeScope();
        var delta = RandomDelta(seed: 4, rank: 2);
        using var edit = Start(delta, FirstPoints);
        var ws = Seed42Ws();

        var frame = new DragStepper(_generator).Step([edit], [true])[0].Image!;

        using var tunedRender = _generator.Synthesize(ws.reshape(1, _generator.NumWs, _generator.WDim), new SynthesisOptions
        {
            ConvWeightDeltas = delta.ToConvWeightDeltas(_generator.Device),
            FusedModulation = true,
        });
        using var plainRender = _generator.Synthesize(ws.reshape(1, _generator.NumWs, _generator.WDim), new SynthesisOptions());
        var error = frame.sub(tunedRender.Image!.squeeze(0)).abs().max().item<float>();
        var effect = frame.sub(plainRender.Image!.squeeze(0)).abs().max().item<float>();
        Assert.True(error < 1e-4, $"max |difference| from the tuned generator's render: {error}");
        Assert.True(effect > 1e-2, $"the delta changed the frame by only {effect}");
    }

    [Fact]
    public void AResumedTunedEditContinuesAsTheOriginal()
    {
        using var scope = NewDisposeScope();
        var delta = RandomDelta(seed: 5, rank: 2);
        using var original = Start(delta, FirstPoints);
        using var interrupted = Start(delta, FirstPoints);
        var stepper = new DragStepper(_generator);
        for (var i = 0; i < 3; i++)
        {
            stepper.Step([original]);
            stepper.Step([interrupted]);
        }

        using var resumed = DragEdit.Resume(_generator, interrupted.Snapshot(), weightDelta: delta);
        for (var i = 0; i < 3; i++)
        {
            var expected = stepper.Step([original])[0];
            var actual = stepper.Step([resumed])[0];
            Assert.Equal(expected.Handles, actual.Handles);
        }
        Assert.Same(delta, resumed.WeightDelta);
        Assert.True(original.CurrentLatent().sub(resumed.CurrentLatent()).abs().max().item<float>() <= 1e-6);
    }

    [Fact]
    public void ADeltaForAnotherGeneratorIsRefusedNamingIt()
    {
        using var scope = NewDisposeScope();
        using var checkpoint = SmallCheckpoints.Create(3);
        using var other = StyleGan2Generator.Create(checkpoint);
        var misfit = RandomDelta(other, seed: 6, rank: 1);

        var refused = Assert.Throws<DragInputException>(() => Start(misfit, FirstPoints));
        var refusedResume = Assert.Throws<DragInputException>(() =>
        {
            using var edit = Start(null, FirstPoints);
            using var _ = DragEdit.Resume(_generator, edit.Snapshot(), weightDelta: misfit);
        });

        Assert.Equal("weightDelta", refused.Input);
        Assert.Equal("weightDelta", refusedResume.Input);
    }

    private DragEdit Start(WeightDelta? delta, (PixelPoint, PixelPoint)[] points, int seed = 42)
    {
        using var ws = seed == 42 ? Seed42Ws() : _generator.MapSeed(seed, psi: 0.7);
        return DragEdit.Start(_generator, ws, points, weightDelta: delta);
    }

    private WeightDelta RandomDelta(int seed, int rank) => RandomDelta(_generator, seed, rank);

    /// <summary>A low-rank delta of random B (small) and A (unit Gaussian), as tuning would leave one.</summary>
    private static WeightDelta RandomDelta(ImageGenerator generator, int seed, int rank)
    {
        var random = new System.Random(seed);
        float[] Values(long count, double scale) => Enumerable.Range(0, (int)count).Select(_ => (float)(scale * Gaussian(random))).ToArray();
        var layers = generator.ConvLayers
            .Select(l => new WeightDeltaLayer(l, Values(l.OutChannels * rank, 0.05), Values(rank * l.FanIn, 1)))
            .ToArray();
        return new WeightDelta("fixture", WeightDeltaKind.LowRank, rank, layers);
    }

    private static double Gaussian(System.Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static void AssertSameLatent(DragEdit alone, DragEdit batched)
    {
        using var scope = NewDisposeScope();
        var moved = alone.CurrentLatent().sub(batched.CurrentLatent()).abs().max().item<float>();
        var travelled = alone.CurrentLatent().sub(InitialLatent(alone)).abs().max().item<float>();
        Assert.True(travelled > 1e-3, $"the edit moved the latent ({travelled})");
        Assert.True(moved <= 0.1 * travelled, $"batched differs by {moved}, the edit moved {travelled}");
    }

    private static Tensor InitialLatent(DragEdit edit) =>
        torch.tensor(edit.Snapshot().InitialLatent, [1, edit.Generator.NumWs, edit.Generator.WDim]);
}
