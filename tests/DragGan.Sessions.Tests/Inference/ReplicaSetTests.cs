using DragGan.Sessions.Inference;
using DragGan.Sessions.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Tests.Inference;

/// <summary>The replica set follows the address list: replicas that leave it are forgotten once idle.</summary>
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
