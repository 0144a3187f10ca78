using DragGan.Protos.V1;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Tests.Support;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using static DragGan.Sessions.Tests.Support.SessionTestData;
using static DragGan.Sessions.Tests.Support.TunedPhotos;
using InferenceClient = DragGan.Protos.V1.Inference.InferenceClient;

namespace DragGan.Sessions.Tests.Failover;

/// <summary>
/// A tuned photo's drag whose replica goes away: the drag resumes on the other replica with the
/// session's delta, so the tuned generator, not the shared one, draws its next frame.
/// </summary>
public sealed class TunedSessionFailoverTests(SqliteBackend backend) : IClassFixture<SqliteBackend>
{
    [Fact]
    public async Task ServingReplicaGoesAway_TheResumedDragStepsTheTunedGenerator()
    {
        var replicas = new Dictionary<string, WebApplication>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var app = InferenceReplicaHost.CreateApplication();
                await app.StartAsync();
                replicas[InferenceReplica.NameOf(app.Urls.Single())] = app;
            }
            await using var sessions = await SessionsServer.StartAsync(
            [
                new("Sessions:InferenceAddress", string.Join(",", replicas.Values.Select(r => r.Urls.Single()))),
                .. backend.HostSettings(Guid.NewGuid().ToString("N")),
            ]);
            var client = sessions.Client();
            var session = await CreateTunedAsync(client);
            var delta = (await sessions.Editor.GetAsync(new(TestTenants.Alpha, session.Id), CancellationToken.None)).Value.WeightDelta;
            Assert.False(delta.IsEmpty);

            using var call = client.Drag();
            await call.RequestStream.WriteAsync(new SessionDragRequest
            {
                Start = new SessionDragStart
                {
                    SessionId = session.Id,
                    Points = { Pair(100, 128, 130, 128) },
                    Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
                    FrameOptions = new FrameOptions { Image = Raw },
                },
            });
            await call.RequestStream.WriteAsync(new SessionDragRequest { Pause = new DragPause() });
            SessionDragFrame paused;
            do
            {
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
                paused = call.ResponseStream.Current;
            }
            while (!paused.Frame.Paused);
            // A pause carries the latent the next step starts from.
            var latent = paused.Frame.Latent;

            var serving = (await client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id })).ActiveDrag.Replica;
            var victim = replicas[serving];
            replicas.Remove(serving);
            await victim.StopAsync();
            await victim.DisposeAsync();
            var survivor = replicas.Values.Single().Urls.Single();

            await call.RequestStream.WriteAsync(new SessionDragRequest { Unpause = new DragUnpause() });
            SessionDragFrame resumed;
            do
            {
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
                resumed = call.ResponseStream.Current;
            }
            while (resumed.Frame.Paused || resumed.Frame.Image is null || resumed.Frame.Image.Data.IsEmpty);
            await call.RequestStream.WriteAsync(new SessionDragRequest { Stop = new DragStop() });

            // The first step after the move renders the paused latent (its image comes before its update).
            var tuned = await RenderAsync(survivor, latent, delta);
            var untuned = await RenderAsync(survivor, latent, ByteString.Empty);
            var toTuned = TestPhotos.MeanAbsoluteDifference(resumed.Frame.Image.Data.Span, tuned.Span);
            var toUntuned = TestPhotos.MeanAbsoluteDifference(resumed.Frame.Image.Data.Span, untuned.Span);
            Assert.True(resumed.Resumed || resumed.Frame.Step > paused.Frame.Step);
            Assert.True(toTuned < 0.2 * toUntuned, $"the resumed frame is {toTuned} levels from the tuned render, {toUntuned} from the untuned");
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

    /// <summary>Seed 42's image with a bright square on it, inverted and tuned (10 steps of each).</summary>
    private static async Task<Protos.V1.Session> CreateTunedAsync(DragGan.Protos.V1.Sessions.SessionsClient client)
    {
        var photo = await PhotoAsync(client);
        return (await client.CreateSessionAsync(new CreateSessionRequest
        {
            Image = new ImageSessionSource { Image = photo, Options = new InvertOptions { Steps = 4, TuningSteps = 10, TuningRank = 2 } },
        })).Session;
    }

    private static async Task<ByteString> RenderAsync(string replica, Latent latent, ByteString delta)
    {
        using var channel = GrpcChannel.ForAddress(replica);
        var generated = await new InferenceClient(channel).GenerateAsync(new GenerateRequest { Latent = latent, Image = Raw, WeightDelta = delta });
        return generated.Image.Data;
    }
}
