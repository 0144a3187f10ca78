using DragGan.Inference;
using DragGan.Protos.V1;
using DragGan.Sessions.Drags;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Drags;

/// <summary>What a drag holds for its clients stays bounded: watchers that left, commands the model has not taken yet.</summary>
[Collection(InferenceCollection.Name)]
public sealed class DragBoundsTests(InferenceServer inference, SqliteBackend backend) : IClassFixture<SqliteBackend>, IAsyncLifetime
{
    private SessionsServer _server = null!;

    public async Task InitializeAsync() => _server = await SessionsServer.StartAsync(
    [
        new("Sessions:InferenceAddress", inference.Address),
        new("Sessions:RateLimit:TokenLimit", "100000"),
        new("Sessions:RateLimit:TokensPerPeriod", "100000"),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
    ]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task WatchersThatLeave_AreForgottenWhileTheDragGoesOn()
    {
        var client = _server.Client();
        var (session, dragId) = await StartPausedDragAsync(client);
        var run = RunOf(dragId);
        // The start's own watcher is gone once StartDrag has answered.
        Assert.Equal(0, run.WatcherCount);

        for (var i = 0; i < 5; i++)
        {
            using var cancel = new CancellationTokenSource();
            using var watch = client.WatchDrag(new WatchDragRequest { SessionId = session.Id, DragId = dragId }, cancellationToken: cancel.Token);
            // A paused drag sends a frame on every pause; ask until this watcher has one.
            var next = watch.ResponseStream.MoveNext(CancellationToken.None);
            while (!next.IsCompleted)
            {
                await client.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = dragId, Pause = new DragPause() });
                await Task.WhenAny(next, Task.Delay(200));
            }
            Assert.True(await next);
            await cancel.CancelAsync();
        }

        await WaitUntilAsync(() => run.WatcherCount == 0);
        var stopped = await client.StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = dragId });
        Assert.True(stopped.HasCommittedEntryId);
    }

    [Fact]
    public async Task Updates_BeyondWhatTheDragHolds_AreRefusedUntilTheModelCatchesUp()
    {
        var client = _server.Client();
        var (session, dragId) = await StartPausedDragAsync(client);
        var run = RunOf(dragId);
        // 64 KiB per command: the transport's windows fill after a few, the drag's queue next.
        var update = new DragUpdate { Mask = new Mask { Width = 256, Height = 256, Values = ByteString.CopyFrom(new byte[256 * 256]) } };

        var gates = inference.Services.GetRequiredService<ModelGates>();
        using var release = new ManualResetEventSlim();
        var holding = new TaskCompletionSource();
        var held = gates.RunAsync(DemoModel, () =>
        {
            holding.SetResult();
            release.Wait();
            return 0;
        }, CancellationToken.None);
        await holding.Task;

        RpcException? refused = null;
        var accepted = 0;
        try
        {
            for (; accepted < 1000 && refused is null; accepted++)
            {
                try
                {
                    await client.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = dragId, Update = update });
                    Assert.True(run.PendingCommands <= SessionDragRun.MaxPendingCommands);
                }
                catch (RpcException e)
                {
                    refused = e;
                }
            }
        }
        finally
        {
            release.Set();
            await held;
        }

        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("commands", refused.Status.Detail);
        // Once the model has taken them, the drag is steered and stopped as ever.
        await WaitUntilAsync(() => run.PendingCommands == 0);
        await client.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = dragId, Update = update });
        var stopped = await client.StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = dragId });
        Assert.True(stopped.HasCommittedEntryId);
    }

    private SessionDragRun RunOf(string dragId)
    {
        Assert.True(_server.Services.GetRequiredService<ActiveDragRegistry>().TryGet(dragId, out var run));
        return run!;
    }

    private static async Task<(Protos.V1.Session Session, string DragId)> StartPausedDragAsync(DragGan.Protos.V1.Sessions.SessionsClient client)
    {
        var session = await client.CreateAsync();
        var started = await client.StartDragAsync(new StartDragRequest
        {
            Start = new SessionDragStart
            {
                SessionId = session.Id,
                Points = { Pair(100, 128, 130, 128) },
                Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
            },
        });
        var dragId = started.ActiveDrag.DragId;
        await client.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = dragId, Pause = new DragPause() });
        return (session, dragId);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition did not hold within 30 s");
            await Task.Delay(20);
        }
    }
}
