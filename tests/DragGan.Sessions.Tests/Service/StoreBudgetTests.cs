using DragGan.Protos.V1;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using StackExchange.Redis;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// The store's budget for all tenants (<c>Sessions:StoreBudget</c>) on a Redis of its own with a
/// <c>maxmemory</c>: once Redis holds maxmemory less the headroom, new sessions are refused for every
/// tenant with RESOURCE_EXHAUSTED naming the budget, while a running drag still commits into the
/// headroom; room made gives creates back.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class StoreBudgetTests(InferenceServer inference) : IAsyncLifetime
{
    private const long Headroom = 64L * 1024 * 1024;
    private const long Room = 4L * 1024 * 1024;

    private readonly RedisServer _redis = new();
    private SessionsServer _server = null!;

    public async Task InitializeAsync()
    {
        await _redis.InitializeAsync();
        _server = await SessionsServer.StartAsync(
        [
            new("Sessions:InferenceAddress", inference.Address),
            new("Sessions:Store", "redis"),
            new("ConnectionStrings:Redis", _redis.PatientConnectionString),
            new("Sessions:RedisKeyPrefix", "budget:"),
            // Configured far above maxmemory: the budget is lowered to maxmemory less the headroom.
            new("Sessions:StoreBudget:Bytes", (1L << 40).ToString()),
            new("Sessions:StoreBudget:HeadroomBytes", Headroom.ToString()),
            new("Sessions:StoreBudget:UsageCacheDuration", "00:00:00"),
        ]);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task AStoreAtItsBudget_RefusesNewSessionsOfEveryTenant_ButCommitsIntoTheHeadroom()
    {
        var alpha = _server.Client();
        var session = await alpha.CreateAsync();
        // The limit is set once the service's connections and scripts have taken their memory.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"{_redis.ConnectionString},allowAdmin=true"))
            await admin.GetDatabase().ExecuteAsync("CONFIG", "SET", "maxmemory", (await UsedMemoryAsync() + Headroom + Room).ToString());
        Assert.NotEmpty((await alpha.CreateAsync(2)).Id);
        var db = _redis.Connection.GetDatabase();
        // Another deployment's data (or any tenant's) takes the room below the budget.
        await db.StringSetAsync("filler", new byte[2 * Room]);

        var alphaRefused = await Assert.ThrowsAsync<RpcException>(() => alpha.CreateSessionAsync(FromSeed(2)).ResponseAsync);
        var betaRefused = await Assert.ThrowsAsync<RpcException>(() => _server.Client(TestTenants.BetaKey).CreateSessionAsync(FromSeed(2)).ResponseAsync);
        var committed = await _server.CommitDragAsync(TestTenants.Alpha, session, 1);

        foreach (var refused in new[] { alphaRefused, betaRefused })
        {
            Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
            Assert.Contains("Sessions:StoreBudget", refused.Status.Detail);
        }
        Assert.Equal(2, committed.Session.Value.Session.History.Count);
        Assert.True(await UsedMemoryAsync() < (long)(await MaxMemoryAsync()));

        await db.KeyDeleteAsync("filler");
        // Redis may free a large value in the background (lazyfree).
        for (var waited = 0; waited < 100 && await UsedMemoryAsync() > (long)await MaxMemoryAsync() - Headroom; waited++)
            await Task.Delay(50);
        Assert.NotEmpty((await alpha.CreateAsync(3)).Id);
    }

    private async Task<long> UsedMemoryAsync() => Field(await InfoAsync(), "used_memory");

    private async Task<long> MaxMemoryAsync() => Field(await InfoAsync(), "maxmemory");

    private async Task<string> InfoAsync() => (string)(await _redis.Connection.GetDatabase().ScriptEvaluateAsync("return redis.call('INFO', 'memory')"))!;

    private static long Field(string info, string name) =>
        long.Parse(info.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..]);
}
