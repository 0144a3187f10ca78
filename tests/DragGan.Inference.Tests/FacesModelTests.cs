using DragGan.Engine.Imaging;
using DragGan.Engine.Models;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;

namespace DragGan.Inference.Tests;

/// <summary>The built-in faces model turned on over real gRPC: offered beside the demo model, which stays the default.</summary>
public sealed class FacesModelTests(FacesModelServer server) : IClassFixture<FacesModelServer>
{
    [Fact]
    public async Task ListModels_OffersTheFacesModelBesideTheDefaultDemoModel()
    {
        var response = await server.Client.ListModelsAsync(new ListModelsRequest());

        Assert.Equal([FacesModel.Name, DemoModel.Name], response.Models.Select(m => m.Name));
        Assert.Equal(DemoModel.Name, response.DefaultModel);
        var faces = response.Models[0];
        Assert.False(faces.IsDemo);
        Assert.Equal((128u, 12u, 128u, 64u), (faces.Resolution, faces.NumWs, faces.WDim, faces.ZDim));
    }

    [Fact]
    public async Task Generate_WithTheFacesModel_DrawsA128PixelFace()
    {
        var request = GenerateTests.SeedRequest(7);
        request.Model = FacesModel.Name;

        var response = await server.Client.GenerateAsync(request);

        Assert.Equal(FacesModel.Name, response.Model);
        var image = ImageCodec.Decode(response.Image.Data.Span);
        Assert.Equal((128, 128), (image.Width, image.Height));
        Assert.Equal(12 * 128, response.Latent.Values.Count);
    }
}
