using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Drags;

/// <summary>
/// A drag that a replica handed back runs again when someone watches it elsewhere; as it runs
/// again, it counts against its tenant's drag limit again, like a new drag.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class OrphanedDragLimitTests(InferenceServer inference, RedisBackend backend) : IClassFixture<RedisBackend>
{
    [Fact]
    public async Task ResumingAHandedBackDrag_IsRefusedWhileTheTenantRunsItsLimitOfDrags()
    {
        IEnumerable<KeyValuePair<string, string?>> settings =
        [
            new("Sessions:InferenceAddress", inference.Address),
            new("Sessions:TenantLimits:Drags", "1"),
            .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        ];
        var leaving = await SessionsServer.StartAsync(settings);
        await using var staying = await SessionsServer.StartAsync(settings);
        var client = staying.Client();
        var orphan = await client.CreateAsync();
        var running = await client.CreateAsync(8);
        await leaving.Client().StartDragAsync(new StartDragRequest { Start = Endless(orphan.Id) });
        // Shutting down hands the drag back: it stays on the session, run by nobody.
        await leaving.DisposeAsync();
        var started = await client.StartDragAsync(new StartDragRequest { Start = Endless(running.Id) });

        using var watch = client.WatchDrag(new WatchDragRequest { SessionId = orphan.Id });
        var refused = await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext());

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("runs 1 drags, its limit", refused.Status.Detail);
        await client.StopDragAsync(new StopDragRequest { SessionId = running.Id, DragId = started.ActiveDrag.DragId });
    }

    private static SessionDragStart Endless(string sessionId) => new()
    {
        SessionId = sessionId,
        Points = { Pair(100, 128, 130, 128) },
        Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
    };
}
