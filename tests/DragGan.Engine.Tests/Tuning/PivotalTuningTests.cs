using DragGan.Engine.Inversion;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Perceptual;
using DragGan.Engine.Tests.Support;
using DragGan.Engine.Tuning;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Tuning;

/// <summary>
/// Pivotal tuning on a small generator with the real perceptual distance: the pivot is the latent
/// of one seed, the target another seed's image, so only the weights can close the gap.
/// </summary>
public sealed class PivotalTuningTests(ResNetFixture fixture) : IClassFixture<ResNetFixture>, IDisposable
{
    private const string ModelId = "small";
    private readonly SmallProjector _small = new();

    [Theory]
    [InlineData(TuningMode.LowRank, 2, 1e-2)]
    [InlineData(TuningMode.Full, 0, 3e-3)]
    public void TuningBringsTheImageAtThePivotCloserAndLeavesTheGeneratorUnchanged(TuningMode mode, int rank, double learningRate)
    {
        using var scope = NewDisposeScope();
        var generator = _small.Generator;
        var pivot = generator.MapSeed(1, psi: 0.7);
        var target = _small.Image(seed: 2);
        var before = Render(generator, pivot, delta: null);
        var options = new PivotalTuningOptions { Mode = mode, Rank = rank, Steps = 12, LearningRate = learningRate };

        using var tuning = new PivotalTuning(generator, ModelId, target, pivot.data<float>().ToArray(), fixture.Distance, options);
        var steps = new List<(double Psnr, double Distance)>();
        while (!tuning.Finished)
        {
            using var step = tuning.Step();
            steps.Add((step.Psnr, step.PerceptualDistance));
        }
        var delta = WeightDeltaFormat.Read(WeightDeltaFormat.Write(tuning.Delta()), ModelId, generator.ConvLayers);
        var tuned = Render(generator, pivot, delta);

        Assert.Equal(12, tuning.CompletedSteps);
        Assert.Equal(rank, delta.Rank);
        Assert.True(Psnr(tuned, target) > steps[0].Psnr + 1, $"PSNR {steps[0].Psnr:F2} -> {Psnr(tuned, target):F2} dB");
        Assert.True(steps[^1].Distance < steps[0].Distance, $"perceptual distance {steps[0].Distance:F4} -> {steps[^1].Distance:F4}");
        Assert.True(before.eq(Render(generator, pivot, delta: null)).all().item<bool>(), "tuning changed the shared weights");
    }

    [Fact]
    public void LocalityRegularization_KeepsTheTunedGeneratorCloserToTheUntouchedOneAwayFromThePivot()
    {
        using var scope = NewDisposeScope();
        var generator = _small.Generator;
        var pivot = generator.MapSeed(1, psi: 0.7);
        var target = _small.Image(seed: 2);
        // Away from the pivot, as a drag's latent moves: another seed's w.
        var elsewhere = generator.MapSeed(3, psi: 0.7);
        var untouched = Render(generator, elsewhere, delta: null);
        (double AtPivot, double Elsewhere) Tune(double localityWeight)
        {
            var options = new PivotalTuningOptions { Rank = 4, Steps = 12, LearningRate = 3e-2, LocalityWeight = localityWeight, LocalityDistance = 10 };
            using var tuning = new PivotalTuning(generator, ModelId, target, pivot.data<float>().ToArray(), fixture.Distance, options);
            while (!tuning.Finished)
                tuning.Step().Dispose();
            var delta = tuning.Delta();
            return (Psnr(Render(generator, pivot, delta), target), Psnr(Render(generator, elsewhere, delta), untouched));
        }

        var plain = Tune(0);
        var regularized = Tune(1);

        // Both tune the pivot; the regularized generator draws other latents more as it did.
        Assert.True(regularized.AtPivot > Psnr(Render(generator, pivot, delta: null), target) + 1, $"PSNR at the pivot {regularized.AtPivot:F2} dB");
        Assert.True(regularized.Elsewhere > plain.Elsewhere, $"PSNR against the untouched image elsewhere: {plain.Elsewhere:F2} -> {regularized.Elsewhere:F2} dB");
    }

    [Fact]
    public void ThePivotIsOneWFoundWithThePerceptualDistance()
    {
        using var scope = NewDisposeScope();
        var target = _small.Image(seed: 2);
        var options = PivotalTuningOptions.PivotProjection(fixture.Distance, steps: 8);

        using var projection = _small.Projector.Start(target, options);
        var initial = fixture.Distance.Distance(Render(_small.Generator, projection.Initial.ToTensor(), delta: null), target).item<float>();
        while (!projection.Finished)
            projection.Step().Dispose();
        var pivot = projection.Best;
        var reached = fixture.Distance.Distance(Render(_small.Generator, pivot.ToTensor(), delta: null), target).item<float>();

        Assert.True(pivot.Quality.Psnr > projection.Initial.Quality.Psnr, $"PSNR {projection.Initial.Quality.Psnr:F2} -> {pivot.Quality.Psnr:F2} dB");
        Assert.True(reached < initial, $"perceptual distance {initial:F4} -> {reached:F4}");
        var rows = pivot.Latent.Chunk(pivot.WDim).ToArray();
        Assert.All(rows, row => Assert.Equal(rows[0], row));
    }

    [Fact]
    public void TunedEditsAndAnEditWithoutADeltaRenderInOneBatchAsEachAlone()
    {
        using var scope = NewDisposeScope();
        var generator = _small.Generator;
        var pivot = generator.MapSeed(1, psi: 0.7);
        WeightDelta Tune(int seed)
        {
            using var tuning = new PivotalTuning(generator, ModelId, _small.Image(seed), pivot.data<float>().ToArray(), fixture.Distance,
                new PivotalTuningOptions { Rank = 2, Steps = 3, LearningRate = 1e-2 });
            while (!tuning.Finished)
                tuning.Step().Dispose();
            return tuning.Delta();
        }
        WeightDelta?[] deltas = [Tune(2), null, Tune(3)];
        var ws = pivot.expand(3, -1, -1);

        using var batch = generator.Synthesize(ws, new SynthesisOptions { ConvWeightDeltas = WeightDelta.PerEdit(deltas, generator), FusedModulation = true });
        using var withoutDeltas = generator.Synthesize(ws, new SynthesisOptions { FusedModulation = true });

        for (var i = 0; i < deltas.Length; i++)
        {
            var alone = Render(generator, pivot, deltas[i]);
            var error = batch.Image![i].sub(alone[0]).abs().max().item<float>();
            Assert.True(error < 1e-5, $"edit {i}: max |difference| {error}");
        }
        Assert.True(batch.Image![1].eq(withoutDeltas.Image![1]).all().item<bool>(), "the edit without a delta changed");
        Assert.Null(WeightDelta.PerEdit([null, null], generator));
    }

    [Fact]
    public void ReachingTheEarlyStopDistanceEndsTuningWithoutAnUpdate()
    {
        using var scope = NewDisposeScope();
        var generator = _small.Generator;
        var pivot = generator.MapSeed(1, psi: 0.7).data<float>().ToArray();
        var options = new PivotalTuningOptions { Rank = 1, Steps = 10, EarlyStopDistance = 2 };

        using var tuning = new PivotalTuning(generator, ModelId, _small.Image(seed: 2), pivot, fixture.Distance, options);
        using var step = tuning.Step();

        Assert.True(step.StoppedEarly);
        Assert.True(tuning.Finished);
        Assert.Equal(0, tuning.CompletedSteps);
        Assert.All(tuning.Delta().Layers, layer => Assert.All(layer.B, value => Assert.Equal(0f, value)));
    }

    [Theory]
    [InlineData(0, "tuning.Rank")]
    [InlineData(WeightDeltaFormat.MaxRank + 1, "tuning.Rank")]
    public void AnInvalidRankIsRefusedByName(int rank, string field)
    {
        using var scope = NewDisposeScope();
        var generator = _small.Generator;
        var pivot = generator.MapSeed(1).data<float>().ToArray();

        var error = Assert.Throws<ArgumentException>(() => new PivotalTuning(generator, ModelId, _small.Image(), pivot, fixture.Distance, new PivotalTuningOptions { Rank = rank }));
        Assert.Equal(field, error.ParamName);
    }

    private static Tensor Render(ImageGenerator generator, Tensor ws, WeightDelta? delta)
    {
        using var noGrad = no_grad();
        using var result = generator.Synthesize(ws, new SynthesisOptions { ConvWeightDeltas = delta?.ToConvWeightDeltas(generator.Device) });
        return result.Image!.clone();
    }

    private static double Psnr(Tensor image, Tensor target) => ReconstructionQuality.Measure(image, target).Psnr;

    public void Dispose() => _small.Dispose();
}
