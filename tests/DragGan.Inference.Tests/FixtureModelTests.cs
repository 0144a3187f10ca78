using DragGan.Engine.Tests.Support;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;

namespace DragGan.Inference.Tests;

/// <summary>Generate with the reference fixture checkpoint configured, against the official outputs.</summary>
public sealed class FixtureModelTests(FixtureModelServer server) : IClassFixture<FixtureModelServer>
{
    [Fact]
    public async Task ListModels_ShowsTheConfiguredModelFirstAndAsDefault()
    {
        var response = await server.Client.ListModelsAsync(new ListModelsRequest());

        Assert.Equal(FixtureModelServer.ModelName, response.DefaultModel);
        var model = response.Models[0];
        Assert.Equal(FixtureModelServer.ModelName, model.Name);
        Assert.False(model.IsDemo);
        Assert.Equal((256u, 14u, 512u), (model.Resolution, model.NumWs, model.WDim));
    }

    [Fact]
    public async Task Generate_Seed42Psi07_ReturnsTheReferenceLatent()
    {
        var request = GenerateTests.SeedRequest(42, psi: 0.7);
        request.Model = FixtureModelServer.ModelName;

        var response = await server.Client.GenerateAsync(request);

        using var expected = Npy.ReadFloat32(TestFixtures.TinyStyleGan2("seed42_ws.npy"));
        Assert.Equal(new long[] { 1, 14, 512 }, expected.shape);
        var reference = expected.data<float>().ToArray();
        Assert.Equal((14u, 512u), (response.Latent.Rows, response.Latent.WDim));
        Assert.Equal(reference.Length, response.Latent.Values.Count);
        var worst = reference.Zip(response.Latent.Values, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1e-4, $"Largest difference from seed42_ws.npy is {worst}.");
        Assert.Equal((256u, 256u), (response.Image.Width, response.Image.Height));
    }
}
