using DragGan.Sessions.Tests.Support;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// Health checks need no key, so anyone can send them: a burst of them reads the store once per
/// <c>Sessions:HealthCheckCacheDuration</c>, not once each. Counted by Redis itself (its
/// commandstats), on a Redis of the test's own.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class HealthCheckLoadTests(InferenceServer inference)
{
    [Fact]
    public async Task ABurstOfHealthChecks_ReadsTheStoreOnce()
    {
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        await using var server = await SessionsServer.StartAsync(
        [
            new("Sessions:InferenceAddress", inference.Address),
            new("Sessions:Store", "redis"),
            new("ConnectionStrings:Redis", redis.PatientConnectionString),
            new("Sessions:HealthCheckCacheDuration", "00:01:00"),
        ]);
        var health = new Health.HealthClient(server.Channel);
        Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        var before = await StoreReadsAsync(redis);

        for (var i = 0; i < 50; i++)
            Assert.Equal(ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

        Assert.Equal(before, await StoreReadsAsync(redis));
    }

    /// <summary>HMGET calls Redis has served: how the store reads a session (and the health check probes it).</summary>
    private static async Task<long> StoreReadsAsync(RedisServer redis)
    {
        var info = (string)(await redis.Connection.GetDatabase().ScriptEvaluateAsync("return redis.call('INFO', 'commandstats')"))!;
        var line = info.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("cmdstat_hmget:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(':')[1].Split(',')[0].Split('=')[1]);
    }
}
