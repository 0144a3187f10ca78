using DragGan.Sessions.Inference;
using DragGan.Sessions.Tests.Support;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Tests.Inference;

/// <summary>
/// The replica set follows the address list (replicas that leave it are forgotten once idle), and
/// tells a busy replica from a gone one.
/// </summary>
[Collection(InferenceCollection.Name)]
public sealed class ReplicaSetTests(InferenceServer inference)
{
    // Nothing listens there: its health check fails at once.
    private const string Gone = "http://127.0.0.1:1";

    [Fact]
    public async Task AReplicaThatLeftTheList_IsForgottenOnceItRunsNoDrag()
    {
        var addresses = new ListedAddresses([inference.Address, Gone]);
        var clock = new ManualClock();
        using var set = new InferenceReplicaSet(addresses, Options.Create(new SessionsOptions()), clock, NullLogger<InferenceReplicaSet>.Instance);

        var candidates = await set.CandidatesAsync(new HashSet<string>(), CancellationToken.None);
        Assert.Equal([inference.Address], candidates.Select(r => r.Address));
        Assert.Equal(2, set.KnownReplicas);

        // The serving replica leaves the list while it runs a drag: kept until the drag ends.
        var leaving = candidates[0];
        var drag = leaving.TrackDrag();
        addresses.Current = [Gone];
        clock.Advance(InferenceReplicaSet.ForgetAfter + TimeSpan.FromSeconds(1));
        await set.CandidatesAsync(new HashSet<string>(), CancellationToken.None);
        Assert.Equal(2, set.KnownReplicas);

        drag.Dispose();
        await set.CandidatesAsync(new HashSet<string>(), CancellationToken.None);
        Assert.Equal(1, set.KnownReplicas);
        // Its channel is closed: the replica itself still serves, the old channel reaches it no more.
        await Assert.ThrowsAnyAsync<Exception>(() => leaving.Health.CheckAsync(new()).ResponseAsync);

        // Listed again: a fresh channel, and it serves.
        addresses.Current = [inference.Address];
        Assert.Equal([inference.Address], (await set.CandidatesAsync(new HashSet<string>(), CancellationToken.None)).Select(r => r.Address));
    }

    [Fact]
    public async Task AReplicaMissingForLessThanTheGracePeriod_IsKept()
    {
        var addresses = new ListedAddresses([inference.Address, Gone]);
        var clock = new ManualClock();
        using var set = new InferenceReplicaSet(addresses, Options.Create(new SessionsOptions()), clock, NullLogger<InferenceReplicaSet>.Instance);
        await set.CandidatesAsync(new HashSet<string>(), CancellationToken.None);

        addresses.Current = [inference.Address];
        clock.Advance(InferenceReplicaSet.ForgetAfter - TimeSpan.FromSeconds(1));
        await set.CandidatesAsync(new HashSet<string>(), CancellationToken.None);

        Assert.Equal(2, set.KnownReplicas);
    }

    [Fact]
    public async Task AReplicaThatServedMomentsAgo_AndIsSlowToAnswer_StaysACandidate_UntilItHasBeenSilentForTheGrace()
    {
        var health = new SlowHealth();
        await using var slow = await StartAsync(health);
        var address = slow.Urls.Single();
        var clock = new ManualClock();
        using var set = new InferenceReplicaSet(new ListedAddresses([address]), Options.Create(new SessionsOptions()), clock, NullLogger<InferenceReplicaSet>.Instance);
        Assert.Equal([address], (await set.CandidatesAsync(new HashSet<string>(), CancellationToken.None)).Select(r => r.Address));

        // Its health check now outlasts the 2 s timeout (a long forward holds the machine): busy, not gone.
        health.Delay = TimeSpan.FromSeconds(4);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal([address], (await set.CandidatesAsync(new HashSet<string>(), CancellationToken.None)).Select(r => r.Address));
        // Nor is it set aside: once it answers again it is a candidate at once.
        health.Delay = TimeSpan.Zero;
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([address], (await set.CandidatesAsync(new HashSet<string>(), CancellationToken.None)).Select(r => r.Address));

        // Silent for longer than the grace since it last answered: a failure, as before.
        health.Delay = TimeSpan.FromSeconds(4);
        clock.Advance(InferenceReplicaSet.SlowAnswerGrace + TimeSpan.FromSeconds(1));
        Assert.Empty(await set.CandidatesAsync(new HashSet<string>(), CancellationToken.None));
    }

    private static async Task<WebApplication> StartAsync(SlowHealth health)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(health);
        var app = builder.Build();
        app.MapGrpcService<SlowHealth>();
        await app.StartAsync();
        return app;
    }

    /// <summary>A replica's health service that answers SERVING after <see cref="Delay"/>.</summary>
    private sealed class SlowHealth : Health.HealthBase
    {
        public TimeSpan Delay { get; set; }

        public override async Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
        {
            await Task.Delay(Delay, context.CancellationToken);
            return new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving };
        }
    }

    private sealed class ListedAddresses(IReadOnlyList<string> initial) : IInferenceAddresses
    {
        public IReadOnlyList<string> Current { get; set; } = initial;

        public Task<IReadOnlyList<string>> CurrentAsync(CancellationToken cancellationToken) => Task.FromResult(Current);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
