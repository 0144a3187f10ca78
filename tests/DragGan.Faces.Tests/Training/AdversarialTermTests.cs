using DragGan.Training.Adversarial;
using DragGan.Training.Generators;
using static TorchSharp.torch;

namespace DragGan.Faces.Tests.Training;

/// <summary>The discriminator and the adversarial loss the face model's fine-tune adds to its L1 fit.</summary>
public sealed class AdversarialTermTests
{
    private const int Resolution = 16;

    [Fact]
    public void The_discriminator_gives_one_logit_per_image_and_a_feature_map_per_block()
    {
        using var discriminator = new TrainableDiscriminator(128, channelBase: 2048, channelMax: 64, seed: 1);
        using var scope = NewDisposeScope();
        var images = randn([2, 3, 128, 128], generator: new Generator(2, CPU));

        Assert.Equal([2L, 1L], discriminator.forward(images).shape);
        // Blocks at 128, 64, 32, 16 and 8 px, each halving the resolution, with min(2048 / res, 64) channels after it.
        var features = discriminator.Features(images);
        Assert.Equal([[2L, 32L, 64L, 64L], [2L, 64L, 32L, 32L], [2L, 64L, 16L, 16L], [2L, 64L, 8L, 8L], [2L, 64L, 4L, 4L]],
            features.Select(f => f.shape).ToArray());
    }

    [Fact]
    public void Discriminator_steps_learn_to_tell_real_from_fake_and_the_generator_loss_pulls_the_fake_towards_real()
    {
        using var term = new AdversarialTerm(new TrainableDiscriminator(Resolution, channelBase: 256, channelMax: 16, seed: 3), learningRate: 0.002, r1Gamma: 0.1);
        using var scope = NewDisposeScope();
        var random = new Generator(4, CPU);
        // "Real": smooth ramps; "fake": noise. The loss's sign decides which way the logits go.
        var ramp = linspace(-1, 1, Resolution).reshape(1, 1, 1, Resolution).expand(4, 3, Resolution, Resolution).contiguous();
        double first = 0, last = 0;
        for (var step = 0; step < 60; step++)
        {
            var fake = randn([4, 3, Resolution, Resolution], generator: random).mul(0.5);
            var loss = term.TrainDiscriminator(ramp, fake);
            if (step == 0)
                first = loss;
            last = loss;
        }
        Assert.True(last < first * 0.5, $"The discriminator's loss should fall: {first:F3} -> {last:F3}.");
        var noise = randn([4, 3, Resolution, Resolution], generator: random).mul(0.5);
        using (no_grad())
            Assert.True(term.Discriminator.forward(ramp).mean().item<float>() > term.Discriminator.forward(noise).mean().item<float>());

        // The generator's loss, descended on the fake images themselves, makes them look more real to D.
        var generated = noise.clone().requires_grad_(true);
        var before = term.GeneratorLoss(generated);
        before.backward();
        var moved = generated.detach().sub(generated.grad!.sign().mul(0.05));
        Assert.True(term.GeneratorLoss(moved).item<float>() < before.item<float>());
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1_000, 0)]
    [InlineData(1_500, 0.01)]
    [InlineData(2_000, 0.02)]
    [InlineData(50_000, 0.02)]
    public void The_generator_hears_the_discriminator_after_its_warm_up_then_ramped_in(long images, double weight)
    {
        var recipe = new GeneratorRecipe { AdversarialWeight = 0.02, AdversarialWarmupImages = 1_000 };
        Assert.Equal(weight, recipe.AdversarialWeightAt(images), 1e-12);
    }

    [Fact]
    public void A_saved_term_continues_with_the_same_discriminator()
    {
        var directory = Directory.CreateTempSubdirectory("adversarial-").FullName;
        try
        {
            using var images = randn([4, 3, Resolution, Resolution], generator: new Generator(5, CPU));
            using var flipped = images.flip(3);
            using var saved = new AdversarialTerm(new TrainableDiscriminator(Resolution, 256, 16, seed: 6), 0.002, 0.1);
            saved.TrainDiscriminator(images, flipped);
            saved.Save(directory);

            using var loaded = new AdversarialTerm(new TrainableDiscriminator(Resolution, 256, 16, seed: 7), 0.002, 0.1);
            Assert.True(loaded.TryLoad(directory));
            using (no_grad())
            {
                using var expected = saved.Discriminator.forward(images);
                using var actual = loaded.Discriminator.forward(images);
                Assert.True(expected.allclose(actual, rtol: 0, atol: 0));
            }
            using var fresh = new AdversarialTerm(new TrainableDiscriminator(Resolution, 256, 16, seed: 8), 0.002, 0.1);
            Assert.False(fresh.TryLoad(Path.Combine(directory, "empty")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
