using DragGan.Engine.Drags;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;

namespace DragGan.Engine.Tests.Drags;

/// <summary>
/// Drags on the StyleGAN-Human and TF-era fixtures against the official DragGAN renderer's
/// recordings (seed 42, psi 0.7, w+ with 6 rows optimised, Adam lr 0.001, r1 = 2, r2 = 6, no mask,
/// 30 steps, the reference's linspace pixel grid). StyleGAN-Human drags run on the padded 256 x 256
/// frame from the renderer's recorded latent (seed42_ws.npy).
/// </summary>
public sealed class KindDragParityTests(HumanGenerator human, TfGenerator tf) : IClassFixture<HumanGenerator>, IClassFixture<TfGenerator>
{
    private const int Steps = 30;

    [Theory]
    [InlineData("human", "one_point")]
    [InlineData("human", "two_points")]
    [InlineData("tf", "one_point")]
    [InlineData("tf", "two_points")]
    public void EveryTrackedPointAndTheFinalLatentMatchTheReference(string kind, string name)
    {
        var (generator, fixture) = kind == "human"
            ? (human.Generator, (Func<string, string>)TestFixtures.StyleGanHuman)
            : (tf.Generator, TestFixtures.StyleGan2Tf);
        var reference = DragReference.Load(fixture("drag_reference.json"), name);

        using var ws = Npy.ReadFloat32(fixture("seed42_ws.npy"));
        using var edit = DragEdit.Start(generator, ws, reference.Points,
            parameters: new DragParameters { ReferencePixelGrid = true, MaxSteps = Steps });
        var stepper = new DragStepper(generator);
        for (var step = 0; step < Steps; step++)
        {
            using var result = stepper.Step([edit])[0];
            Assert.False(result.Converged);
            // Tracking is discrete, so any float drift would show up as a different pixel.
            Assert.Equal(reference.Trajectory[step], result.Handles);
        }

        using var latent = edit.CurrentLatent();
        var finalWs = latent.data<float>().ToArray();
        var maxDifference = finalWs.Zip(reference.FinalWs, (a, b) => Math.Abs(a - b)).Max();
        // Float32 drift of 30 Adam steps on CPU; measured 1.06e-3 for StyleGAN-Human's one_point,
        // while every tracked point above still agrees.
        Assert.True(maxDifference <= 2e-3, $"max |ws - reference ws| after {Steps} steps = {maxDifference}");
    }
}
