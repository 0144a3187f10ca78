using DragGan.Engine.Imaging;
using DragGan.Engine.Tests.Support;
using DragGan.Inference.Tests.Inversion;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Xunit.Abstractions;

namespace DragGan.Inference.Tests;

/// <summary>
/// StyleGAN-Human and TF-era StyleGAN2 checkpoints served over real gRPC: ListModels reports the kind
/// and the content rectangle, Generate reproduces the reference latent, a drag steps, and Invert
/// finds an image the model drew.
/// </summary>
public sealed class KindModelTests(KindModelServer server, ITestOutputHelper output) : IClassFixture<KindModelServer>
{
    [Fact]
    public async Task ListModels_ReportsEachKindAndItsContentRectangle()
    {
        var response = await server.Client.ListModelsAsync(new ListModelsRequest());

        var human = Assert.Single(response.Models, m => m.Name == KindModelServer.HumanModel);
        Assert.Equal(GeneratorKind.StyleganHuman, human.Kind);
        Assert.Equal((256u, 14u), (human.Resolution, human.NumWs));
        Assert.Equal(new ContentRect { X = 64, Y = 0, Width = 128, Height = 256 }, human.Content);

        var tf = Assert.Single(response.Models, m => m.Name == KindModelServer.TfModel);
        Assert.Equal(GeneratorKind.Stylegan2Tf, tf.Kind);
        Assert.Equal(new ContentRect { X = 0, Y = 0, Width = 256, Height = 256 }, tf.Content);

        var demo = Assert.Single(response.Models, m => m.IsDemo);
        Assert.Equal(GeneratorKind.Stylegan2, demo.Kind);
    }

    [Theory]
    [InlineData(KindModelServer.HumanModel, "human")]
    [InlineData(KindModelServer.TfModel, "tf")]
    public async Task GenerateDragAndInvert_RunOnEachKind(string model, string fixture)
    {
        Func<string, string> file = fixture == "human" ? TestFixtures.StyleGanHuman : TestFixtures.StyleGan2Tf;

        // Generate: the seed's latent is the reference's (StyleGAN-Human: the plain truncation).
        var generated = await server.Client.GenerateAsync(new GenerateRequest { Model = model, Seed = new SeedSource { Seed = 42, TruncationPsi = 0.7 } });
        using (var expected = Npy.ReadFloat32(file(fixture == "human" ? "seed42_ws_eval.npy" : "seed42_ws.npy")))
        {
            var worst = expected.data<float>().ToArray().Zip(generated.Latent.Values, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-4, $"largest difference from the reference latent: {worst}");
        }
        var image = ImageCodec.Decode(generated.Image.Data.Span);
        Assert.Equal((256, 256), (image.Width, image.Height));
        var content = generated.Content;
        Assert.Equal(fixture == "human" ? 128u : 256u, content.Width);
        if (fixture == "human")
        {
            // The padding is white, the content is not.
            Assert.All(Column(image, 0).Concat(Column(image, 255)), v => Assert.Equal(255, v));
            Assert.Contains(Column(image, 128), v => v != 255);
        }

        // Drag: a few steps from the renderer's recorded latent with the recorded points.
        var reference = DragReference.Load(file("drag_reference.json"), "one_point");
        using var recorded = Npy.ReadFloat32(file("seed42_ws.npy"));
        var latent = new Latent { Rows = 14, WDim = 512 };
        latent.Values.AddRange(recorded.data<float>().ToArray());
        var (handle, target) = reference.Points[0];
        using var drag = await DragSession.StartAsync(server.Client, DragRequests.Start(model, latent,
            new DragParameters { MaxSteps = 3 }, DragRequests.Pair(handle.X, handle.Y, target.X, target.Y)));
        var frames = await drag.ReadUntilAsync(f => f.StepLimitReached);
        await drag.CompleteAsync();
        Assert.Equal([1u, 2u, 3u], frames.Select(f => f.Step));
        Assert.All(frames, f => Assert.True(f.Loss > 0));
        Assert.Equal(reference.Trajectory[0], [PixelPointOf(frames[0].Handles[0])]);
        Assert.NotEqual(latent.Values, frames[^1].Latent.Values);

        // Invert: an image the model drew is approached from the mean latent.
        using var invert = server.Client.Invert();
        await invert.RequestStream.WriteAsync(new InvertRequest
        {
            Start = new InvertStart { Model = model, Image = generated.Image, Steps = 10, LearningRate = 0.03 },
        });
        await invert.RequestStream.CompleteAsync();
        var progress = await InvertTests.ReadAllAsync(invert);
        var final = Assert.Single(progress, p => p.Final);
        output.WriteLine($"{model}: PSNR step 1 {progress[0].Psnr:0.00} dB, final {final.Psnr:0.00} dB");
        Assert.True(final.Psnr > progress[0].Psnr, $"PSNR {progress[0].Psnr:0.00} -> {final.Psnr:0.00} dB");
        Assert.Equal(14u, final.Latent.Rows);
    }

    private static IEnumerable<byte> Column(RgbImage image, int x) =>
        Enumerable.Range(0, image.Height).SelectMany(y => image.Pixels.AsSpan((y * image.Width + x) * 3, 3).ToArray());

    private static Engine.Drags.PixelPoint PixelPointOf(Point point) => new(point.X, point.Y);
}
