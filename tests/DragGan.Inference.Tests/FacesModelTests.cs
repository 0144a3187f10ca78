using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;

namespace DragGan.Inference.Tests;

/// <summary>
/// The service as it runs with no model configuration, over real gRPC: the built-in face model is
/// the default, so requests that name no model draw and drag faces; the demo model is offered beside it.
/// </summary>
public sealed class FacesModelTests(DefaultModelsServer server) : IClassFixture<DefaultModelsServer>
{
    [Fact]
    public async Task ListModels_OffersTheFacesModelAsTheDefault_BesideTheDemoModel()
    {
        var response = await server.Client.ListModelsAsync(new ListModelsRequest());

        Assert.Equal([FacesModel.Name, DemoModel.Name], response.Models.Select(m => m.Name));
        Assert.Equal(FacesModel.Name, response.DefaultModel);
        var faces = response.Models[0];
        Assert.False(faces.IsDemo);
        Assert.Equal((128u, 12u, 128u, 64u), (faces.Resolution, faces.NumWs, faces.WDim, faces.ZDim));
        Assert.Equal(FacesModel.DefaultLearningRate, faces.DefaultLearningRate);
    }

    [Fact]
    public async Task Generate_NamingNoModel_DrawsA128PixelFace()
    {
        var response = await server.Client.GenerateAsync(GenerateTests.SeedRequest(7));

        Assert.Equal(FacesModel.Name, response.Model);
        var image = ImageCodec.Decode(response.Image.Data.Span);
        Assert.Equal((128, 128), (image.Width, image.Height));
        Assert.Equal(12 * 128, response.Latent.Values.Count);
    }

    [Fact]
    public async Task Drag_NamingNoModel_PullsTheChinOfAFaceDownToItsTarget()
    {
        var latent = (await server.Client.GenerateAsync(GenerateTests.SeedRequest(7))).Latent;
        // No model and no learning rate: the default model and its own defaults (lr 0.01, r1 = 2, r2 = 6 at 128 px).
        using var drag = await DragSession.StartAsync(server.Client,
            DragRequests.Start("", latent, new DragParameters { MaxSteps = 100 }, DragRequests.Pair(61, 98, 61, 110)));

        var last = (await drag.ReadUntilAsync(f => f.Converged || f.StepLimitReached))[^1];

        Assert.True(last.Converged, $"the chin should reach its target; it stopped at ({last.Handles[0].X}, {last.Handles[0].Y}) after {last.Step} steps");
        Assert.Equal(FacesModel.Name, last.State.Model);
        Assert.Equal(FacesModel.DefaultLearningRate, last.State.Parameters.LearningRate);
        Assert.InRange(last.Handles[0].Y, 105, 113);
    }
}
