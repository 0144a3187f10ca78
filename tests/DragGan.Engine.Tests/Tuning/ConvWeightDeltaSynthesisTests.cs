using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Tuning;

/// <summary>
/// The per-forward convolution weight deltas of the StyleGAN2 synthesis network: checked against a
/// generator built from a checkpoint whose weights were changed by the same deltas, which runs the
/// modulated, demodulated convolution on W + dW with no delta path at all.
/// </summary>
public sealed class ConvWeightDeltaSynthesisTests
{
    private const int Seed = 5;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AForwardWithoutDeltasIsUnchangedBitForBitAndDeltasLeaveTheSharedWeightsAlone(bool fused)
    {
        using var scope = NewDisposeScope();
        using var checkpoint = SmallCheckpoints.Create(Seed);
        using var generator = StyleGan2Generator.Create(checkpoint);
        var ws = generator.MapSeed(3, psi: 0.7);

        var before = Render(generator, ws, fused, deltas: null);
        var noDeltas = Render(generator, ws, fused, new Tensor?[generator.ConvLayers.Count]);
        var changed = Render(generator, ws, fused, RandomDeltas(generator, scale: 0.1));
        var after = Render(generator, ws, fused, deltas: null);

        Assert.True(before.eq(noDeltas).all().item<bool>(), "null deltas changed the image");
        Assert.True(before.eq(after).all().item<bool>(), "a forward with deltas changed the shared weights");
        Assert.True(before.sub(changed).abs().max().item<float>() > 1e-3, "the deltas had no effect");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ADeltaRendersAsTheGeneratorWhoseWeightsItChanged(bool fused)
    {
        using var scope = NewDisposeScope();
        using var checkpoint = SmallCheckpoints.Create(Seed);
        using var generator = StyleGan2Generator.Create(checkpoint);
        var deltas = RandomDeltas(generator, scale: 0.3);
        using var changedCheckpoint = WithChangedWeights(checkpoint, generator.ConvLayers, deltas);
        using var changedGenerator = StyleGan2Generator.Create(changedCheckpoint);
        var ws = generator.MapSeed(4, psi: 0.7);

        var viaDeltas = Render(generator, ws, fused, deltas);
        var viaWeights = Render(changedGenerator, ws, fused, deltas: null);

        var error = viaDeltas.sub(viaWeights).abs().max().item<float>();
        Assert.True(error < 1e-5, $"max |difference| {error}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EditsWithAndWithoutDeltasStepInOneBatch(bool fused)
    {
        using var scope = NewDisposeScope();
        using var checkpoint = SmallCheckpoints.Create(Seed);
        using var generator = StyleGan2Generator.Create(checkpoint);
        var ws = torch.cat([generator.MapSeed(3, psi: 0.7), generator.MapSeed(4, psi: 0.7)], 0);
        var deltas = RandomDeltas(generator, scale: 0.3);
        // The first edit carries a delta, the second none (zeros).
        var perEdit = deltas.Select(d => (Tensor?)stack([d!, zeros_like(d!)])).ToArray();

        var batched = Render(generator, ws, fused, perEdit);
        var alone = Render(generator, ws.narrow(0, 0, 1), fused, deltas);
        var withoutDeltas = Render(generator, ws, fused, deltas: null);

        var error = batched[0].sub(alone[0]).abs().max().item<float>();
        Assert.True(error < 1e-5, $"the edit with a delta: max |difference| {error} from its own forward");
        Assert.True(batched[1].eq(withoutDeltas[1]).all().item<bool>(), "the edit without a delta changed in a batch beside one with a delta");
    }

    [Fact]
    public void GradientsReachTheDeltas()
    {
        using var scope = NewDisposeScope();
        using var checkpoint = SmallCheckpoints.Create(Seed);
        using var generator = StyleGan2Generator.Create(checkpoint);
        var deltas = generator.ConvLayers.Select(l => zeros(l.WeightShape).requires_grad_(true)).ToArray();

        using var result = generator.Synthesize(generator.MapSeed(1), new SynthesisOptions { ConvWeightDeltas = deltas });
        result.Image!.square().mean().backward();

        Assert.All(deltas, d => Assert.True(d.grad!.abs().sum().item<float>() > 0));
    }

    [Fact]
    public void DeltasOfTheWrongCountOrShapeAreRefused()
    {
        using var scope = NewDisposeScope();
        using var checkpoint = SmallCheckpoints.Create(Seed);
        using var generator = StyleGan2Generator.Create(checkpoint);
        var ws = generator.MapSeed(1);
        var layers = generator.ConvLayers;

        var count = Assert.Throws<ArgumentException>(() => generator.Synthesize(ws, new SynthesisOptions { ConvWeightDeltas = [null] }));
        Assert.Contains($"Expected {layers.Count} weight deltas", count.Message);
        var wrong = new Tensor?[layers.Count];
        wrong[2] = zeros(layers[2].OutChannels, layers[2].InChannels + 1, 3, 3);
        var shape = Assert.Throws<ArgumentException>(() => generator.Synthesize(ws, new SynthesisOptions { ConvWeightDeltas = wrong }));
        Assert.Contains(layers[2].Name, shape.Message);
    }

    private static Tensor Render(ImageGenerator generator, Tensor ws, bool fused, IReadOnlyList<Tensor?>? deltas)
    {
        using var result = generator.Synthesize(ws, new SynthesisOptions { ConvWeightDeltas = deltas, FusedModulation = fused });
        return result.Image!.clone();
    }

    private static Tensor?[] RandomDeltas(ImageGenerator generator, double scale)
    {
        var random = new TorchSharp.torch.Generator(17);
        return generator.ConvLayers.Select(l => (Tensor?)randn(l.WeightShape, generator: random).mul(scale)).ToArray();
    }

    private static GeneratorCheckpoint WithChangedWeights(GeneratorCheckpoint checkpoint, IReadOnlyList<ConvLayerShape> layers, Tensor?[] deltas)
    {
        var tensors = checkpoint.Tensors.ToDictionary(p => p.Key, p => p.Value.clone());
        for (var i = 0; i < layers.Count; i++)
        {
            var name = $"{layers[i].Name}.weight";
            var old = tensors[name];
            tensors[name] = old.add(deltas[i]!);
            old.Dispose();
        }
        return new GeneratorCheckpoint(checkpoint.Config, tensors);
    }
}
