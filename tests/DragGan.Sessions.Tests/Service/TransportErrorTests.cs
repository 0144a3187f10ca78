using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// A failure to reach the inference service answers UNAVAILABLE without the transport's own words:
/// those name the replica's address, which clients have no business knowing.
/// </summary>
public sealed class TransportErrorTests
{
    [Fact]
    public async Task AnUnreachableInferenceReplica_IsUnavailable_WithoutItsAddress()
    {
        var port = FreePort.Next();
        using var backend = new SqliteBackend();
        await using var server = await SessionsServer.StartAsync(
        [
            new("Sessions:InferenceAddress", $"http://127.0.0.1:{port}"),
            .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        ]);

        var error = await Assert.ThrowsAsync<RpcException>(() => server.Client().CreateSessionAsync(FromSeed(1)).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.DoesNotContain(port.ToString(), error.Status.Detail);
        Assert.DoesNotContain("127.0.0.1", error.Status.Detail);
        Assert.Contains("inference", error.Status.Detail, StringComparison.OrdinalIgnoreCase);
    }
}
