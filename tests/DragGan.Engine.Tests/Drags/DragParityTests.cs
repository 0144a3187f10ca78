using DragGan.Engine.Drags;
using DragGan.Engine.Networks;
using DragGan.Engine.Tests.Support;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Drags;

/// <summary>
/// The engine against drags recorded from the reference implementation (XingangPan/DragGAN,
/// viz/renderer.py) on the fixture: seed 42, psi 0.7, w+ with 6 rows optimised, Adam lr 0.001,
/// r1 = round(3 * 256 / 512) = 2, r2 = round(12 * 256 / 512) = 6, no mask, 40 steps.
/// </summary>
public sealed class DragParityTests(TinyGenerator tiny) : IClassFixture<TinyGenerator>
{
    private const int Steps = 40;
    private readonly StyleGan2Generator _generator = tiny.Generator;

    private (List<IReadOnlyList<PixelPoint>> Trajectory, float[] FinalWs) Run(DragReference reference, bool referencePixelGrid)
    {
        using var ws = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        using var edit = DragEdit.Start(_generator, ws, reference.Points,
            parameters: new DragParameters { ReferencePixelGrid = referencePixelGrid, MaxSteps = Steps });
        var stepper = new DragStepper(_generator);
        var trajectory = new List<IReadOnlyList<PixelPoint>>();
        for (var step = 0; step < Steps; step++)
        {
            using var result = stepper.Step([edit])[0];
            Assert.False(result.Converged);
            trajectory.Add(result.Handles);
        }
        using var latent = edit.CurrentLatent();
        return (trajectory, latent.data<float>().ToArray());
    }

    [Theory]
    [InlineData("one_point")]
    [InlineData("two_points")]
    public void WithTheReferenceGridEveryTrackedPointAndTheFinalLatentMatch(string name)
    {
        var reference = DragReference.Load(name);
        var (trajectory, finalWs) = Run(reference, referencePixelGrid: true);

        // Tracking is discrete, so any float drift would show up as a different pixel; all 40 agree.
        for (var step = 0; step < Steps; step++)
            Assert.Equal(reference.Trajectory[step], trajectory[step]);

        // Measured: 1e-6 (one point) and 1.8e-4 (two points) after 40 steps; float32 on CPU.
        var maxDifference = finalWs.Zip(reference.FinalWs, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(maxDifference <= 5e-4, $"max |ws - reference ws| after {Steps} steps = {maxDifference}");
        Assert.True(finalWs.Zip(reference.FinalWs, (a, b) => Math.Abs(a - b)).Take(6 * 512).Max() <= 5e-4);
    }

    [Theory]
    [InlineData("one_point")]
    [InlineData("two_points")]
    public void WithTheIntegerGridTheFirstStepsMatchAndTheEditEndsAsClose(string name)
    {
        var reference = DragReference.Load(name);
        var (trajectory, _) = Run(reference, referencePixelGrid: false);

        // The first steps agree; afterwards the disks differ by a pixel here and there (the
        // reference's linspace grid is spaced 256/255), the discrete tracker picks other pixels,
        // and on this untrained network the trajectories part ways.
        for (var step = 0; step < 2; step++)
            Assert.Equal(reference.Trajectory[step], trajectory[step]);

        var referenceEnd = DistanceToTargets(reference.Trajectory[^1], reference.Points);
        var ourEnd = DistanceToTargets(trajectory[^1], reference.Points);
        var start = DistanceToTargets(reference.Trajectory[0], reference.Points);
        var gap = reference.Trajectory[^1].Zip(trajectory[^1], Distance).Max();
        if (gap > 2)
        {
            // Measured for one_point: ours ends at (123, 119), the reference at (133, 138), 21 px
            // apart, yet both closed most of the 30 px to the target (11.4 px and 10.4 px left).
            Assert.True(ourEnd <= 1.25 * referenceEnd, $"ours ends {ourEnd} px from the targets, the reference {referenceEnd} px");
        }
        Assert.True(ourEnd < 0.75 * start, $"ours ends {ourEnd} px from the targets, from {start} px");
    }

    private static double DistanceToTargets(IReadOnlyList<PixelPoint> handles, IReadOnlyList<(PixelPoint Handle, PixelPoint Target)> points) =>
        handles.Zip(points, (h, p) => Distance(h, p.Target)).Sum();

    private static double Distance(PixelPoint a, PixelPoint b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));
}
