using DragGan.Protos.V1;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Failover;

/// <summary>
/// How the session service judges inference replicas, over real gRPC with the Redis store: a full
/// replica (RESOURCE_EXHAUSTED) is healthy and keeps getting work, and a replica that goes silent
/// without closing its connection is noticed by HTTP/2 keepalive pings, so its drag resumes elsewhere.
/// </summary>
public sealed class ReplicaHealthTests(RedisBackend backend) : IClassFixture<RedisBackend>
{
    private static readonly TimeSpan FrameTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FullReplica_RefusesTheExtraDrag_AndStaysACandidateForEverythingElse()
    {
        var replica = await StartReplicaAsync(new KeyValuePair<string, string?>("Inference:MaxActiveStreams", "1"));
        try
        {
            await using var sessions = await SessionsServer.StartAsync(
            [
                new("Sessions:InferenceAddress", replica.Urls.Single()),
                .. backend.HostSettings(Guid.NewGuid().ToString("N")),
            ]);
            var client = sessions.Client();
            var first = await client.CreateAsync(seed: 1);
            var second = await client.CreateAsync(seed: 2);

            var running = await client.StartDragAsync(LongDrag(first.Id));
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.StartDragAsync(LongDrag(second.Id)));
            Assert.True(refused.StatusCode == StatusCode.ResourceExhausted, $"expected RESOURCE_EXHAUSTED, got {refused.StatusCode}: {refused.Status.Detail}");
            Assert.Null((await client.GetSessionAsync(new GetSessionRequest { SessionId = second.Id })).ActiveDrag);

            // Once the slot is free the replica takes work at once: it was full, never broken.
            await client.StopDragAsync(new StopDragRequest { SessionId = first.Id, DragId = running.ActiveDrag.DragId });
            var third = await client.CreateAsync(seed: 3);
            // The replica frees the stopped stream's slot a moment after the stop; within 5 s, well
            // inside the 10 s a broken replica would be avoided for.
            var deadline = DateTime.UtcNow.AddSeconds(5);
            StartDragResponse started;
            while (true)
            {
                try
                {
                    started = await client.StartDragAsync(LongDrag(second.Id));
                    break;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }
            Assert.Equal(InferenceReplica.NameOf(replica.Urls.Single()), started.ActiveDrag.Replica);
            Assert.NotNull(third.Latent);
            await client.StopDragAsync(new StopDragRequest { SessionId = second.Id, DragId = started.ActiveDrag.DragId });
        }
        finally
        {
            await replica.StopAsync();
            await replica.DisposeAsync();
        }
    }

    [Fact]
    public async Task SilentlyDroppedReplica_IsNoticedByKeepAlive_AndTheDragResumesElsewhere()
    {
        var silent = await StartReplicaAsync();
        var healthy = await StartReplicaAsync();
        await using var relay = new SilenceableRelay(silent.Urls.Single());
        try
        {
            // The relayed replica is listed first: with no drags anywhere, placement picks it.
            await using var sessions = await SessionsServer.StartAsync(
            [
                new("Sessions:InferenceAddress", $"{relay.Address},{healthy.Urls.Single()}"),
                new("Sessions:PersistEveryKSteps", "2"),
                new("Sessions:InferenceKeepAliveInterval", "00:00:01"),
                new("Sessions:InferenceKeepAliveTimeout", "00:00:01"),
                .. backend.HostSettings(Guid.NewGuid().ToString("N")),
            ]);
            var client = sessions.Client();
            var session = await client.CreateAsync();

            using var call = client.Drag();
            await call.RequestStream.WriteAsync(new SessionDragRequest { Start = LongDrag(session.Id).Start });
            // Paused, so that it surely runs on the relayed replica when that goes silent.
            await call.RequestStream.WriteAsync(new SessionDragRequest { Pause = new DragPause() });
            var frames = new List<SessionDragFrame>();
            while (frames.Count == 0 || !frames[^1].Frame.Paused)
                frames.Add(await NextAsync(call));
            var pausedAt = frames[^1].Frame.Step;
            Assert.Equal(InferenceReplica.NameOf(relay.Address), (await client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id })).ActiveDrag.Replica);

            relay.GoSilent();
            var maxSteps = pausedAt + 10;
            await call.RequestStream.WriteAsync(new SessionDragRequest { Update = new DragUpdate { Parameters = new DragParameters { MaxSteps = maxSteps } } });
            await call.RequestStream.WriteAsync(new SessionDragRequest { Unpause = new DragUnpause() });
            while (!frames[^1].Frame.StepLimitReached)
                frames.Add(await NextAsync(call));

            var resumed = Assert.Single(frames, f => f.Resumed);
            Assert.True(resumed.Frame.Step >= pausedAt, $"resumed at {resumed.Frame.Step}, paused at {pausedAt}");
            Assert.Equal(maxSteps, frames[^1].Frame.Step);
            Assert.Equal(InferenceReplica.NameOf(healthy.Urls.Single()), (await client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id })).ActiveDrag.Replica);
            await call.RequestStream.CompleteAsync();
            var last = await NextAsync(call);
            Assert.True(last.HasCommittedEntryId);
        }
        finally
        {
            foreach (var app in new[] { silent, healthy })
            {
                await app.StopAsync(new CancellationToken(true));
                await app.DisposeAsync();
            }
        }
    }

    private static StartDragRequest LongDrag(string sessionId) => new()
    {
        Start = new SessionDragStart
        {
            SessionId = sessionId,
            Points = { Pair(100, 128, 130, 128) },
            Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
            FrameOptions = new FrameOptions { Image = new ImageOptions { Size = 16 } },
        },
    };

    /// <summary>The next frame; a stream that stalls fails the test instead of hanging it.</summary>
    private static async Task<SessionDragFrame> NextAsync(AsyncDuplexStreamingCall<SessionDragRequest, SessionDragFrame> call)
    {
        using var timeout = new CancellationTokenSource(FrameTimeout);
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token), "the drag stream ended early");
        return call.ResponseStream.Current;
    }

    private static async Task<WebApplication> StartReplicaAsync(params KeyValuePair<string, string?>[] settings)
    {
        var app = InferenceReplicaHost.CreateApplication(settings);
        await app.StartAsync();
        return app;
    }
}
