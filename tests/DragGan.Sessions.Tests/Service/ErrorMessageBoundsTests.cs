using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>Names a client sent are quoted in error messages at most 64 characters long, however long they were.</summary>
[Collection(InferenceCollection.Name)]
public sealed class ErrorMessageBoundsTests(InferenceServer inference, SqliteBackend backend) : IClassFixture<SqliteBackend>
{
    private static readonly string Long = new('x', 100_000);

    [Fact]
    public async Task ALongDragIdOrModelName_IsQuotedShort()
    {
        await using var server = await SessionsServer.StartAsync(
        [
            new("Sessions:InferenceAddress", inference.Address),
            .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        ]);
        var client = server.Client();
        var session = await client.CreateAsync();

        var drag = await Assert.ThrowsAsync<RpcException>(() => client.StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = Long }).ResponseAsync);
        var model = await Assert.ThrowsAsync<RpcException>(() => client.CreateSessionAsync(new CreateSessionRequest
        {
            Latent = new LatentSessionSource { Model = Long, Latent = new Latent { Rows = 1, WDim = 1, Values = { 0 } } },
        }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, drag.StatusCode);
        Assert.StartsWith("drag_id 'xxxx", drag.Status.Detail);
        Assert.Contains("(100000 characters)", drag.Status.Detail);
        Assert.True(drag.Status.Detail.Length < 200, drag.Status.Detail);
        Assert.Equal(StatusCode.NotFound, model.StatusCode);
        Assert.Contains("(100000 characters)", model.Status.Detail);
        Assert.True(model.Status.Detail.Length < 400, $"{model.Status.Detail.Length} characters");
    }
}
