using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Inversion;
using DragGan.Engine.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace DragGan.Engine.Tests.Inversion;

/// <summary>Bad requests are refused before any work, naming the field as the service's <c>start</c> message does.</summary>
public sealed class InversionValidationTests(SmallProjector small) : IClassFixture<SmallProjector>
{
    private readonly LatentProjector _projector = small.Projector;

    private ArgumentException Refused(InversionOptions options)
    {
        using var target = small.Image();
        return Assert.ThrowsAny<ArgumentException>(() => _projector.Start(target, options).Dispose());
    }

    [Fact]
    public void NonSquareImagesAreRefused()
    {
        var rgb = new RgbImage(20, 16, new byte[20 * 16 * 3]);
        Assert.Equal("start.image", Assert.Throws<ArgumentException>(() => _projector.Start(rgb).Dispose()).ParamName);
        using var wide = torch.zeros(1, 3, 16, 20);
        var error = Assert.Throws<ArgumentException>(() => _projector.Start(wide).Dispose());
        Assert.Equal("start.image", error.ParamName);
        Assert.Contains("square", error.Message);
    }

    [Fact]
    public void MalformedImageTensorsAreRefused()
    {
        using var scope = NewDisposeScope();
        Assert.Equal("start.image", Assert.Throws<ArgumentException>(() => _projector.Start(torch.zeros(1, 4, 16, 16)).Dispose()).ParamName);
        Assert.Equal("start.image", Assert.Throws<ArgumentException>(() => _projector.Start(torch.zeros(2, 3, 16, 16)).Dispose()).ParamName);
        Assert.Equal("start.image", Assert.Throws<ArgumentException>(() => _projector.Start(torch.zeros(new long[] { 3, 16, 16 }, ScalarType.Int32)).Dispose()).ParamName);
        var withNaN = torch.zeros(3, 16, 16);
        withNaN[0, 1, 2] = torch.tensor(float.NaN);
        Assert.Equal("start.image", Assert.Throws<ArgumentException>(() => _projector.Start(withNaN).Dispose()).ParamName);
        Assert.Equal("start.image", Assert.Throws<ArgumentNullException>(() => _projector.Start((RgbImage)null!).Dispose()).ParamName);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_001)]
    public void StepsOutsideOneToTenThousandAreRefused(int steps)
    {
        Assert.Equal("start.steps", Refused(new InversionOptions { Steps = steps }).ParamName);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(0)]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    public void LearningRatesOutsideZeroToOneAreRefused(double learningRate)
    {
        Assert.Equal("start.learning_rate", Refused(new InversionOptions { LearningRate = learningRate }).ParamName);
    }

    [Fact]
    public void InitialLatentsOfTheWrongShapeOrWithNaNAreRefused()
    {
        var config = small.Generator.Config;
        Assert.Equal("start.initial_latent", Refused(new InversionOptions { InitialLatent = new float[config.WDim + 1] }).ParamName);
        Assert.Equal("start.initial_latent", Refused(new InversionOptions { InitialLatent = new float[(config.NumWs - 1) * config.WDim] }).ParamName);
        var withNaN = new float[config.WDim];
        withNaN[3] = float.NaN;
        Assert.Equal("start.initial_latent", Refused(new InversionOptions { InitialLatent = withNaN }).ParamName);
        var differingRows = new float[config.NumWs * config.WDim];
        differingRows[^1] = 1;
        Assert.Equal("start.initial_latent", Refused(new InversionOptions { Space = LatentSpace.W, InitialLatent = differingRows }).ParamName);
    }

    [Fact]
    public void ScheduleAndLossSettingsAreChecked()
    {
        Assert.Equal("start.space", Refused(new InversionOptions { Space = (LatentSpace)7 }).ParamName);
        Assert.Equal("start.noise_ramp_length", Refused(new InversionOptions { NoiseRampLength = 0 }).ParamName);
        Assert.Equal("start.learning_rate_ramp_up", Refused(new InversionOptions { LearningRateRampUp = double.NaN }).ParamName);
        Assert.Equal("start.learning_rate_ramp_down", Refused(new InversionOptions { LearningRateRampDown = 2 }).ParamName);
        Assert.Equal("start.initial_noise_factor", Refused(new InversionOptions { InitialNoiseFactor = -1 }).ParamName);
        Assert.Equal("start.noise_regularization_weight", Refused(new InversionOptions { NoiseRegularizationWeight = double.NaN }).ParamName);
        Assert.Equal("start.perceptual_weight", Refused(new InversionOptions { PerceptualWeight = -1 }).ParamName);
        // Without a perceptual distance the pixel loss is the only image term.
        Assert.Equal("start.pixel_weight", Refused(new InversionOptions { PixelWeight = 0 }).ParamName);
    }

    [Fact]
    public void StatisticsOfAnotherWidthAreRefused()
    {
        using var tiny = new TinyGenerator();
        var wrong = WStatistics.Estimate(small.Generator, samples: 10);
        Assert.Throws<ArgumentException>(() => new LatentProjector(tiny.Generator, wrong));
    }
}
