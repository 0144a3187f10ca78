using DragGan.Engine.Inversion;
using DragGan.Engine.Tests.Support;

namespace DragGan.Engine.Tests.Inversion;

/// <summary>
/// The schedule against the formulas of the reference projector (stylegan2-ada-pytorch
/// projector.py): with t = step / num_steps, lr = lr0 * min(1, t / 0.05) * (0.5 - 0.5 cos(pi *
/// min(1, (1 - t) / 0.25))) and w-noise std = w_std * 0.05 * max(0, 1 - t / 0.75)^2.
/// </summary>
public sealed class InversionScheduleTests(SmallProjector small) : IClassFixture<SmallProjector>
{
    [Theory]
    [InlineData(0, 0.0)]        // t = 0: the ramp-up starts at zero
    [InlineData(25, 0.05)]      // t = 0.025: half way up
    [InlineData(50, 0.1)]       // t = 0.05: full rate
    [InlineData(500, 0.1)]
    [InlineData(750, 0.1)]      // t = 0.75: the ramp-down starts
    [InlineData(875, 0.05)]     // (1 - t) / 0.25 = 0.5: 0.5 - 0.5 cos(pi / 2)
    [InlineData(950, 0.1 * 0.0954915028125263)] // (1 - t) / 0.25 = 0.2: 0.5 - 0.5 cos(0.2 pi)
    [InlineData(999, 0.1 * 3.947789809194413e-5)] // (1 - t) / 0.25 = 0.004
    public void LearningRateRampsUpLinearlyAndDownAlongACosine(int step, double expected)
    {
        Assert.Equal(expected, InversionSchedule.LearningRate(step, 1000, 0.1, 0.05, 0.25), 12);
    }

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(375, 0.25)]     // (1 - 0.5)^2
    [InlineData(600, 0.04)]     // (1 - 0.8)^2
    [InlineData(750, 0.0)]
    [InlineData(900, 0.0)]
    public void LatentNoiseFadesQuadraticallyToZero(int step, double fraction)
    {
        const double wStd = 12.5;
        Assert.Equal(wStd * 0.05 * fraction, InversionSchedule.LatentNoiseScale(step, 1000, wStd, 0.05, 0.75), 12);
    }

    [Fact]
    public void StepsReportTheScheduledLearningRate()
    {
        using var target = small.Image();
        using var projection = small.Projector.Start(target, new InversionOptions { Steps = 20, LearningRate = 0.2 });
        for (var step = 0; step < 20; step++)
        {
            using var result = projection.Step();
            var t = step / 20.0;
            var expected = 0.2 * Math.Min(1, t / 0.05) * (0.5 - 0.5 * Math.Cos(Math.PI * Math.Min(1, (1 - t) / 0.25)));
            Assert.Equal(expected, result.LearningRate, 12);
            Assert.Equal(step + 1, result.Step);
            Assert.Equal(20, result.TotalSteps);
        }
        Assert.True(projection.Finished);
    }

    [Fact]
    public void TheFirstStepTakesNoUpdate()
    {
        // As the reference: lr is 0 at step 0, so the latent only moves from the second step on.
        using var target = small.Image();
        using var projection = small.Projector.Start(target, new InversionOptions { Steps = 10 });
        var start = projection.CurrentLatent();
        projection.Step().Dispose();
        Assert.Equal(start, projection.CurrentLatent());
        projection.Step().Dispose();
        Assert.NotEqual(start, projection.CurrentLatent());
    }
}
