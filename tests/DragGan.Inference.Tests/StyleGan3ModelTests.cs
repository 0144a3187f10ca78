using DragGan.Engine.Tests.Support;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Xunit.Abstractions;

namespace DragGan.Inference.Tests;

/// <summary>The service with the StyleGAN3-T fixture checkpoint configured as model "tiny-sg3".</summary>
public sealed class StyleGan3ModelServer : InferenceServer
{
    public const string ModelName = "tiny-sg3";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("ModelRegistry:Models:tiny-sg3:Path", Path.GetFullPath(TestFixtures.TinyStyleGan3Pickle)),
        new("ModelRegistry:Models:tiny-sg3:Description", "The StyleGAN3-T reference fixture checkpoint"),
        new("Inference:MetricsPort", "0"),
    ];
}

/// <summary>Generate, Drag and Invert over real gRPC on the StyleGAN3-T fixture checkpoint.</summary>
public sealed class StyleGan3ModelTests(StyleGan3ModelServer server, ITestOutputHelper output) : IClassFixture<StyleGan3ModelServer>
{
    private const string Model = StyleGan3ModelServer.ModelName;

    [Fact]
    public async Task ListModels_ShowsSixteenLatentRows()
    {
        var response = await server.Client.ListModelsAsync(new ListModelsRequest());
        var model = Assert.Single(response.Models, m => m.Name == Model);
        Assert.Equal((256u, 16u, 512u), (model.Resolution, model.NumWs, model.WDim));
    }

    [Fact]
    public async Task Generate_Seed42Psi07_ReturnsTheReferenceLatent()
    {
        var request = GenerateTests.SeedRequest(42, psi: 0.7);
        request.Model = Model;
        var response = await server.Client.GenerateAsync(request);

        using var expected = Npy.ReadFloat32(TestFixtures.TinyStyleGan3("seed42_ws.npy"));
        var reference = expected.data<float>().ToArray();
        Assert.Equal((16u, 512u), (response.Latent.Rows, response.Latent.WDim));
        var worst = reference.Zip(response.Latent.Values, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-4, $"Largest difference from seed42_ws.npy is {worst}.");
        Assert.Equal((256u, 256u), (response.Image.Width, response.Image.Height));
    }

    [Fact]
    public async Task Drag_TakesStepsThatMoveTheHandleTowardItsTarget()
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        using var drag = await DragSession.StartAsync(server.Client, DragRequests.Start(Model, latent,
            new DragParameters { MaxSteps = 5 }, DragRequests.Pair(100, 128, 130, 128)));

        var frames = await drag.ReadUntilAsync(f => f.Converged || f.StepLimitReached);
        foreach (var f in frames)
            output.WriteLine($"step {f.Step}: handle ({f.Handles[0].X}, {f.Handles[0].Y}) distance {f.Distances[0]:0.00} loss {f.Loss:0.0000}");
        var last = frames[^1];
        Assert.True(last.StepLimitReached || last.Converged);
        Assert.Equal(5u, last.Step);
        Assert.All(frames, f => Assert.True(f.Loss > 0 && double.IsFinite(f.Loss)));
        Assert.Equal(16u, last.Latent.Rows);
        // The one_point drag of the fixture starts the same way: the handle moves toward the target.
        Assert.True(last.Distances[0] < 30, $"distance after 5 steps {last.Distances[0]:0.00}");
        await drag.CompleteAsync();
    }

    [Fact]
    public async Task Invert_OfAGeneratedImage_ImprovesTheReconstruction()
    {
        var target = await server.Client.GenerateAsync(new GenerateRequest { Model = Model, Seed = new SeedSource { Seed = 42 } });
        using var call = server.Client.Invert();
        await call.RequestStream.WriteAsync(new InvertRequest
        {
            Start = new InvertStart { Model = Model, Image = target.Image, Steps = 10, LearningRate = 0.03 },
        });
        await call.RequestStream.CompleteAsync();
        var frames = new List<InvertProgress>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (await call.ResponseStream.MoveNext(timeout.Token))
            frames.Add(call.ResponseStream.Current);

        var progress = frames.Where(f => !f.Final).ToList();
        var final = Assert.Single(frames, f => f.Final);
        output.WriteLine($"PSNR step 1 {progress[0].Psnr:0.00} dB, final {final.Psnr:0.00} dB");
        Assert.Equal(10, progress.Count);
        Assert.True(final.Psnr > progress[0].Psnr, $"PSNR {progress[0].Psnr:0.00} -> {final.Psnr:0.00} dB");
        Assert.Equal(16u, final.Latent.Rows);
    }
}
