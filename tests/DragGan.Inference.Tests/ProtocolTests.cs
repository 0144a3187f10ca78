using DragGan.Inference.Tests.Support;
using Grpc.Health.V1;
using Grpc.Reflection.V1;

namespace DragGan.Inference.Tests;

/// <summary>The standard services beside Inference: grpc.health.v1 and server reflection.</summary>
public sealed class ProtocolTests(DemoServer server) : IClassFixture<DemoServer>
{
    [Fact]
    public async Task Health_IsServing()
    {
        var client = new Health.HealthClient(server.Channel);

        var response = await client.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task Reflection_ListsTheInferenceService()
    {
        var client = new ServerReflection.ServerReflectionClient(server.Channel);
        using var call = client.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));

        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.Contains("draggan.v1.Inference", services);
        Assert.Contains("grpc.health.v1.Health", services);
    }
}
