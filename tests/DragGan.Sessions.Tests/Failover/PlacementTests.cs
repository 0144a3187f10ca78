using DragGan.Protos.V1;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Tests.Support;
using Microsoft.AspNetCore.Builder;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Failover;

/// <summary>Replicas that serve different models: each session's calls and drags go to a replica that serves its model.</summary>
public sealed class PlacementTests(SqliteBackend backend) : IClassFixture<SqliteBackend>
{
    [Fact]
    public async Task DragsAndGenerations_GoToAReplicaThatServesTheSessionsModel()
    {
        await using var demoOnly = await StartReplicaAsync([]);
        await using var tinyOnly = await StartReplicaAsync(
        [
            new("ModelRegistry:IncludeDemoModel", "false"),
            new("ModelRegistry:Models:tiny:Path", Path.GetFullPath(Engine.Tests.Support.TestFixtures.TinyStyleGan2Pickle)),
        ]);
        await using var sessions = await SessionsServer.StartAsync(
        [
            new("Sessions:InferenceAddress", $"{demoOnly.Address},{tinyOnly.Address}"),
            .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        ]);
        var client = sessions.Client();

        var models = await client.ListModelsAsync(new ListModelsRequest());
        Assert.Equal(["demo-untrained-256", "tiny"], models.Models.Select(m => m.Name).Order());

        foreach (var (model, replica) in new[] { ("tiny", tinyOnly.Address), (DemoModel, demoOnly.Address) })
        {
            var session = (await client.CreateSessionAsync(new CreateSessionRequest { Seed = new SeedSessionSource { Model = model, Seed = 3 } })).Session;
            var started = await client.StartDragAsync(new StartDragRequest
            {
                Start = new SessionDragStart
                {
                    SessionId = session.Id,
                    Points = { Pair(100, 128, 130, 128) },
                    Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
                },
            });
            // Named, never addressed: clients do not learn where the replicas live.
            Assert.Equal(InferenceReplica.NameOf(replica), started.ActiveDrag.Replica);
            Assert.DoesNotContain("127.0.0.1", started.ActiveDrag.Replica);
            var stopped = await client.StopDragAsync(new StopDragRequest { SessionId = session.Id, DragId = started.ActiveDrag.DragId });
            Assert.True(stopped.HasCommittedEntryId);
        }
    }

    private static async Task<Replica> StartReplicaAsync(KeyValuePair<string, string?>[] settings)
    {
        var app = InferenceReplicaHost.CreateApplication(settings);
        await app.StartAsync();
        return new Replica(app);
    }

    private sealed class Replica(WebApplication app) : IAsyncDisposable
    {
        public string Address { get; } = app.Urls.Single();

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
