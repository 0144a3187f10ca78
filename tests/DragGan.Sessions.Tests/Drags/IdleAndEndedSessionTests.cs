using DragGan.Protos.V1;
using DragGan.Sessions.Drags;
using DragGan.Sessions.Telemetry;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.DependencyInjection;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Drags;

/// <summary>
/// Drags do not hold an inference slot for ever: one that sits idle and unwatched is committed,
/// one whose session is deleted (through any replica) or expires ends. Each time the inference
/// replica's stream closes and the session service's active-drags gauge is back to zero.
/// </summary>
public sealed class IdleAndEndedSessionTests(RedisBackend backend) : IClassFixture<RedisBackend>, IAsyncLifetime
{
    private InferenceReplicaHost _inference = null!;

    public async Task InitializeAsync() => _inference = await InferenceReplicaHost.StartAsync();

    public async Task DisposeAsync() => await _inference.DisposeAsync();

    [Fact]
    public async Task AnUnwatchedDragThatSitsIdle_IsCommittedAndGivesItsSlotBack()
    {
        await using var sessions = await SessionsServer.StartAsync(Settings(("Sessions:DragIdleTimeout", "00:00:01")));
        using var activeDrags = ActiveDrags(sessions);
        var client = sessions.Client();
        var session = await client.CreateAsync();

        // A browser starts a drag that reaches its step limit, and the tab is closed: nobody watches it.
        var started = await client.StartDragAsync(new StartDragRequest
        {
            Start = new SessionDragStart { SessionId = session.Id, Points = { Pair(100, 128, 130, 128) }, Parameters = new DragParameters { MaxSteps = 3, StopDistance = 0.5 } },
        });
        Assert.Equal(1, activeDrags.Value);

        var committed = await WaitForAsync(async () =>
        {
            var read = await client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
            return read.ActiveDrag is null ? read : null;
        });
        Assert.Equal(started.ActiveDrag.DragId, committed.History[^1].DragId);
        Assert.Equal(DragOutcome.StepLimitReached, committed.History[^1].Outcome);
        await _inference.WaitForStreamsAsync(0);
        await WaitForAsync(() => Task.FromResult(activeDrags.Value == 0 ? "" : null));
    }

    [Fact]
    public async Task AWatchedDrag_IsNotIdle()
    {
        await using var sessions = await SessionsServer.StartAsync(Settings(("Sessions:DragIdleTimeout", "00:00:01")));
        var client = sessions.Client();
        var session = await client.CreateAsync();
        // Watched while it steps (so before it can be idle), then paused: it takes no step from here on.
        var started = await client.StartDragAsync(new StartDragRequest { Start = EndlessStart(session.Id) });
        var dragId = started.ActiveDrag.DragId;
        using var watch = client.WatchDrag(new WatchDragRequest { SessionId = session.Id, DragId = dragId });
        Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None));
        await client.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = dragId, Pause = new DragPause() });

        await Task.Delay(TimeSpan.FromSeconds(3));

        var read = await client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id });
        Assert.Equal(dragId, read.ActiveDrag?.DragId);
        Assert.Equal(DragPhase.Paused, read.ActiveDrag?.Phase);
        await client.StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = dragId });
        await _inference.WaitForStreamsAsync(0);
    }

    [Fact]
    public async Task DeletingASession_ThroughAnotherReplica_EndsItsDrag()
    {
        var settings = Settings();
        await using var running = await SessionsServer.StartAsync(settings);
        await using var other = await SessionsServer.StartAsync(settings);
        using var activeDrags = ActiveDrags(running);
        var session = await running.Client().CreateAsync();
        await running.Client().StartDragAsync(new StartDragRequest { Start = EndlessStart(session.Id) });
        await _inference.WaitForStreamsAsync(1);
        Assert.Equal(1, activeDrags.Value);

        await other.Client().DeleteSessionAsync(new DeleteSessionRequest { SessionId = session.Id });

        await _inference.WaitForStreamsAsync(0, TimeSpan.FromSeconds(15));
        await WaitForAsync(() => Task.FromResult(activeDrags.Value == 0 ? "" : null));
        Assert.Empty(running.Services.GetRequiredService<ActiveDragRegistry>().Runs);
    }

    [Fact]
    public async Task ASessionThatExpires_EndsItsPausedDrag()
    {
        await using var sessions = await SessionsServer.StartAsync(Settings());
        using var activeDrags = ActiveDrags(sessions);
        var client = sessions.Client();
        var session = (await client.CreateSessionAsync(new CreateSessionRequest
        {
            Seed = new SeedSessionSource { Seed = 7 },
            // Long enough for the drag to start and pause on a loaded machine, short enough to wait for.
            Ttl = Duration.FromTimeSpan(TimeSpan.FromSeconds(6)),
        })).Session;
        var started = await client.StartDragAsync(new StartDragRequest { Start = EndlessStart(session.Id) });
        await client.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = started.ActiveDrag.DragId, Pause = new DragPause() });
        await _inference.WaitForStreamsAsync(1);
        Assert.Equal(1, activeDrags.Value);

        // Paused, the drag writes nothing more: the session expires 6 s after its last change.
        await _inference.WaitForStreamsAsync(0, TimeSpan.FromSeconds(25));
        await WaitForAsync(() => Task.FromResult(activeDrags.Value == 0 ? "" : null));
        Assert.Empty(sessions.Services.GetRequiredService<ActiveDragRegistry>().Runs);
    }

    private IEnumerable<KeyValuePair<string, string?>> Settings(params (string Key, string Value)[] extra) =>
    [
        new("Sessions:InferenceAddress", _inference.Address),
        .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        .. extra.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value)),
    ];

    private static InstrumentSum ActiveDrags(SessionsServer server) =>
        new(server.Services, SessionsMetrics.MeterName, "draggan_sessions_active_drags");
}
