using DragGan.Engine.Models;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.Inference.Tests;

/// <summary>A configured checkpoint that cannot be loaded fails its own requests only.</summary>
public sealed class BrokenModelTests(BrokenModelServer server) : IClassFixture<BrokenModelServer>
{
    [Fact]
    public async Task Generate_OnAModelThatCannotLoad_IsUnavailableNamingIt()
    {
        var request = GenerateTests.SeedRequest(1);
        request.Model = BrokenModelServer.ModelName;

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.GenerateAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Contains($"'{BrokenModelServer.ModelName}'", error.Status.Detail);
    }

    [Fact]
    public async Task AFailedLoad_DoesNotTellClientsWhereTheCheckpointLives()
    {
        var request = GenerateTests.SeedRequest(1);
        request.Model = BrokenModelServer.ModelName;

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client.GenerateAsync(request).ResponseAsync);

        Assert.DoesNotContain(Path.GetFileName(server.FilePath), error.Status.Detail);
        Assert.DoesNotContain(Path.GetDirectoryName(server.FilePath)!.TrimEnd('/'), error.Status.Detail);
        Assert.DoesNotContain("/", error.Status.Detail);
    }

    [Fact]
    public async Task TheOtherModels_KeepWorking()
    {
        var models = await server.Client.ListModelsAsync(new ListModelsRequest());
        var generated = await server.Client.GenerateAsync(GenerateTests.SeedRequest(1));

        Assert.Equal([FacesModel.Name, DemoModel.Name], models.Models.Select(m => m.Name));
        Assert.Equal(DemoModel.Name, generated.Model);
    }
}
