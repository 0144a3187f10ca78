using DragGan.Protos.V1;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Failover;

/// <summary>
/// Two inference replicas and the session service on loopback: the replica that serves a drag
/// goes away mid-drag, and the client's stream continues on the other one to the end, with every
/// persisted step kept. A restarted session service still has its sessions.
/// </summary>
public sealed class FailoverTests(SqliteBackend backend) : IClassFixture<SqliteBackend>
{
    /// <summary>Steps the drag takes on the second replica before its step limit.</summary>
    private const uint StepsAfterFailover = 20;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ServingReplicaGoesAway_TheDragContinuesOnTheOtherAndCompletes(bool graceful)
    {
        var replicas = new Dictionary<string, WebApplication>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var app = await StartReplicaAsync();
                replicas[InferenceReplica.NameOf(app.Urls.Single())] = app;
            }
            await using var sessions = await SessionsServer.StartAsync(
            [
                new("Sessions:InferenceAddress", string.Join(",", replicas.Values.Select(r => r.Urls.Single()))),
                new("Sessions:PersistEveryKSteps", "2"),
                .. backend.HostSettings(Guid.NewGuid().ToString("N")),
            ]);
            var client = sessions.Client();
            var session = await client.CreateAsync();

            using var call = client.Drag();
            await call.RequestStream.WriteAsync(new SessionDragRequest
            {
                Start = new SessionDragStart
                {
                    SessionId = session.Id,
                    Points = { Pair(100, 128, 130, 128) },
                    Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
                    FrameOptions = new FrameOptions { Image = new ImageOptions { Size = 16 } },
                },
            });
            // The demo model steps faster than a test can react: pause the drag (before any step
            // limit, which a busy machine could reach before the pause lands), so that it is surely
            // still on its first replica when that replica goes away.
            var frames = new List<SessionDragFrame>();
            await call.RequestStream.WriteAsync(new SessionDragRequest { Pause = new DragPause() });
            while (frames.Count == 0 || !frames[^1].Frame.Paused)
            {
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
                frames.Add(call.ResponseStream.Current);
            }
            var pausedAt = frames[^1].Frame.Step;
            var maxSteps = pausedAt + StepsAfterFailover;

            // Take down the replica that serves the drag.
            var serving = (await client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id })).ActiveDrag.Replica;
            var persistedBefore = (await sessions.Editor.GetAsync(new(TestTenants.Alpha, session.Id), CancellationToken.None)).Value.DragState?.Step ?? 0;
            Assert.Equal(pausedAt, persistedBefore); // a pause persists the state
            var victim = replicas[serving];
            replicas.Remove(serving);
            if (graceful)
                await victim.StopAsync();                              // drains: hands the stream back
            else
                await victim.StopAsync(new CancellationToken(true));   // no drain: connections cut
            await victim.DisposeAsync();

            // Sent while the drag moves to the other replica: replayed there if they arrive first.
            await call.RequestStream.WriteAsync(new SessionDragRequest { Update = new DragUpdate { Parameters = new DragParameters { MaxSteps = maxSteps } } });
            await call.RequestStream.WriteAsync(new SessionDragRequest { Unpause = new DragUnpause() });
            while (!frames[^1].Frame.StepLimitReached)
            {
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
                frames.Add(call.ResponseStream.Current);
            }
            await call.RequestStream.CompleteAsync();
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            var last = call.ResponseStream.Current;

            var resumed = Assert.Single(frames, f => f.Resumed);
            // It continued from the step persisted before the failure: nothing committed was lost.
            Assert.True(resumed.Frame.Step >= persistedBefore, $"resumed at {resumed.Frame.Step}, persisted {persistedBefore}");
            Assert.Equal(maxSteps, frames[^1].Frame.Step);
            Assert.True(last.Frame.Final);
            Assert.True(last.HasCommittedEntryId);
            Assert.Equal(maxSteps, last.Session.History[^1].Steps);
            var active = (await client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id })).ActiveDrag;
            Assert.Null(active);
        }
        finally
        {
            foreach (var app in replicas.Values)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RestartedSessionService_StillHasItsSessions()
    {
        var replica = await StartReplicaAsync();
        try
        {
            var isolation = Guid.NewGuid().ToString("N");
            KeyValuePair<string, string?>[] settings = [new("Sessions:InferenceAddress", replica.Urls.Single()), .. backend.HostSettings(isolation)];
            Protos.V1.Session created;
            await using (var first = await SessionsServer.StartAsync(settings))
                created = await first.Client().CreateAsync();

            await using var second = await SessionsServer.StartAsync(settings);
            var found = await second.Client().GetSessionAsync(new GetSessionRequest { SessionId = created.Id });

            Assert.Equal(created.Latent.Values, found.Latent.Values);
            Assert.Equal(created.History.Count, found.History.Count);
        }
        finally
        {
            await replica.StopAsync();
            await replica.DisposeAsync();
        }
    }

    private static async Task<WebApplication> StartReplicaAsync()
    {
        var app = InferenceReplicaHost.CreateApplication();
        await app.StartAsync();
        return app;
    }
}
