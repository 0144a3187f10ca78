using DragGan.Engine.Networks;
using DragGan.Training.Generators;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Faces.Tests.Training;

public sealed class TrainableGeneratorTests
{
    private static readonly GeneratorConfig Small = new()
    {
        ImgResolution = 32, ChannelBase = 256, ChannelMax = 32, ZDim = 32, WDim = 24, MappingLayers = 2, MappingLrMultiplier = 0.1f,
    };

    [Fact]
    public void Exported_weights_draw_the_same_image_in_the_engine()
    {
        using var trainable = TrainableGenerator.Initialise(Small, seed: 3);
        using (no_grad())
        {
            // Away from the initialisation (zero biases, unit affine biases), so every term matters.
            using var noise = new Generator(4, CPU);
            foreach (var parameter in trainable.Parameters)
                parameter.add_(randn(parameter.shape, generator: noise).mul(0.1));
        }
        using var z = randn([3, Small.ZDim], generator: new Generator(5, CPU));
        using var expected = trainable.Synthesize(trainable.Map(z)).detach();

        using var checkpoint = trainable.Export();
        using var engine = StyleGan2Generator.Create(checkpoint);
        using var ws = engine.Map(z);
        using var actual = engine.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.Const }).Image!;

        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.std().item<float>() > 0.05f, "The test image should not be flat.");
        Assert.True(expected.allclose(actual, rtol: 1e-4, atol: 1e-4), $"Largest difference {expected.sub(actual).abs().max().item<float>()}.");
    }

    [Fact]
    public void Every_parameter_gets_a_gradient_and_Adam_lowers_the_loss()
    {
        using var trainable = TrainableGenerator.Initialise(Small, seed: 6);
        using var z = randn([4, Small.ZDim], generator: new Generator(7, CPU));
        using var target = rand([4, 3, 32, 32], generator: new Generator(8, CPU)).mul(2).sub(1);
        using var optimizer = optim.Adam(trainable.Parameters, 0.01);

        float? first = null;
        float last = 0;
        for (var step = 0; step < 30; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = F.l1_loss(trainable.Synthesize(trainable.Map(z)), target);
            loss.backward();
            if (step == 0)
            {
                for (var i = 0; i < trainable.Parameters.Count; i++)
                    Assert.True(trainable.Parameters[i].grad is { } grad && grad.abs().sum().item<float>() > 0, $"{trainable.ParameterNames[i]} has no gradient.");
            }
            optimizer.step();
            last = loss.item<float>();
            first ??= last;
        }
        Assert.True(last < first * 0.9f, $"Loss went from {first} to {last}.");
    }
}
