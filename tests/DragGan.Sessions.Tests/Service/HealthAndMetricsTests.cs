using DragGan.Hosting;
using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Grpc.Health.V1;
using static DragGan.Sessions.Tests.Support.SessionTestData;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// What an orchestrator sees: readiness follows the session store, liveness the process alone,
/// and Prometheus scrapes the drags' metrics from the metrics port over plain HTTP/1.1.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class HealthAndMetricsTests(InferenceServer inference)
{
    [Fact]
    public async Task WhenRedisGoesAway_TheReplicaIsUnreadyButAlive()
    {
        var redis = new RedisServer();
        await redis.InitializeAsync();
        try
        {
            await using var server = await SessionsServer.StartAsync(
            [
                new("Sessions:InferenceAddress", inference.Address),
                new("Sessions:Store", "redis"),
                new("ConnectionStrings:Redis", $"{redis.ConnectionString},connectTimeout=1000,asyncTimeout=1000"),
                // Every probe reads the store: the outage shows in the next one.
                new("Sessions:HealthCheckCacheDuration", "00:00:00"),
            ]);
            var health = new Health.HealthClient(server.Channel);
            Assert.Equal(ServingStatus.Serving, await StatusAsync(health, ""));
            Assert.Equal(ServingStatus.Serving, await StatusAsync(health, GrpcHost.LivenessHealthService));
            Assert.Equal(ServingStatus.Serving, await StatusAsync(health, Protos.V1.Sessions.Descriptor.FullName));

            await redis.DisposeAsync();

            Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, ""));
            Assert.Equal(ServingStatus.NotServing, await StatusAsync(health, Protos.V1.Sessions.Descriptor.FullName));
            Assert.Equal(ServingStatus.Serving, await StatusAsync(health, GrpcHost.LivenessHealthService));
        }
        finally
        {
            await redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task MetricsPort_ExposesDragsAndRequests()
    {
        var port = FreePort.Next();
        using var backend = new SqliteBackend();
        await using var server = await SessionsServer.StartAsync(
        [
            new("Sessions:InferenceAddress", inference.Address),
            new("Sessions:MetricsPort", port.ToString()),
            .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        ]);
        var client = server.Client();
        var session = await client.CreateAsync();

        using (var call = client.Drag())
        {
            await call.RequestStream.WriteAsync(new SessionDragRequest
            {
                Start = new SessionDragStart
                {
                    SessionId = session.Id,
                    Points = { Pair(100, 128, 130, 128) },
                    Parameters = new DragParameters { MaxSteps = 3, StopDistance = 0.5 },
                },
            });
            // A drag at its step limit waits for the caller's stop (half-close), then commits.
            while (await call.ResponseStream.MoveNext(CancellationToken.None) && !call.ResponseStream.Current.HasCommittedEntryId)
            {
                if (call.ResponseStream.Current.Frame.StepLimitReached)
                    await call.RequestStream.CompleteAsync();
            }
            Assert.True(call.ResponseStream.Current.HasCommittedEntryId);
        }

        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");

        // Other servers in this test process publish to meters of the same names: values are at least this one's.
        Assert.Matches(@"(?m)^draggan_sessions_drags_ended_total\{[^}]*outcome=""committed""[^}]*\} [1-9]", text);
        // A gauge of up-down counts: another server's drag that began before this exporter listened and ended after shows as -1.
        Assert.Matches(@"(?m)^draggan_sessions_active_drags(\{[^}]*\})? -?\d", text);
        Assert.Contains("http_server_request_duration_seconds_bucket{", text);
    }

    private static async Task<ServingStatus> StatusAsync(Health.HealthClient health, string service) =>
        (await health.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(20))).Status;
}
