using DragGan.Protos.V1;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Tests.Support;
using static DragGan.Sessions.Tests.Support.SessionTestData;

namespace DragGan.Sessions.Tests.Service;

/// <summary>
/// Two session hosts sharing one store (one SQLite file, or one Redis), as two replicas behind a
/// balancer: concurrent changes to one session through both lose nothing.
/// </summary>
public abstract class TwoInstanceTests(InferenceServer inference, IStoreBackend backend) : IAsyncLifetime
{
    private SessionsServer _first = null!;
    private SessionsServer _second = null!;

    public async Task InitializeAsync()
    {
        var shared = Guid.NewGuid().ToString("N");
        IEnumerable<KeyValuePair<string, string?>> settings =
        [
            new("Sessions:InferenceAddress", inference.Address),
            new("Sessions:UpdateAttempts", "50"),
            .. backend.HostSettings(shared),
        ];
        _first = await SessionsServer.StartAsync(settings);
        _second = await SessionsServer.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task ASessionCreatedOnOneInstance_IsServedByTheOther()
    {
        var session = await _first.Client().CreateAsync();

        var read = await _second.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id });

        Assert.Equal(session, read);
    }

    [Fact]
    public async Task ConcurrentUndos_ThroughBothInstances_AreEachApplied()
    {
        var session = await _first.Client().CreateAsync();
        for (var i = 1; i <= 10; i++)
            await _first.CommitDragAsync(TestTenants.Alpha, session, i);
        var before = await _first.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id, View = SessionView.Basic });
        Assert.Equal(10u, before.CurrentIndex);

        var undos = Enumerable.Range(0, 10).Select(i =>
            (i % 2 == 0 ? _first : _second).Client().UndoAsync(new UndoRequest { SessionId = session.Id, View = SessionView.Basic }).ResponseAsync);
        var results = await Task.WhenAll(undos);

        var after = await _second.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id, View = SessionView.Basic });
        Assert.Equal(0u, after.CurrentIndex);
        Assert.Equal(before.Version + 10, after.Version);
        // Every undo saw a distinct state: no two wrote over the same version.
        Assert.Equal(10, results.Select(r => r.Version).Distinct().Count());
    }

    [Fact]
    public async Task ConcurrentCommits_ThroughBothInstances_AreAllInTheHistory()
    {
        var session = await _first.Client().CreateAsync();
        var key = new SessionKey(TestTenants.Alpha, session.Id);

        var commits = Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            (i % 2 == 0 ? _first : _second).CommitDragAsync(TestTenants.Alpha, session, i + 1, latent: Shifted(session.Latent, i + 1))));
        var results = await Task.WhenAll(commits);

        var after = await _second.Client().GetSessionAsync(new GetSessionRequest { SessionId = session.Id, View = SessionView.Full });
        Assert.Equal(13, after.History.Count);
        Assert.Equal(Enumerable.Range(1, 13).Select(i => (ulong)i), after.History.Select(e => e.Id));
        Assert.Equal(results.Select(r => r.EntryId).Order(), after.History.Skip(1).Select(e => e.Id));
        Assert.Equal(13ul, after.Version);
    }
}

[Collection(InferenceCollection.Name)]
public sealed class SqliteTwoInstanceTests(InferenceServer inference, SqliteBackend backend)
    : TwoInstanceTests(inference, backend), IClassFixture<SqliteBackend>;

[Collection(InferenceCollection.Name)]
public sealed class RedisTwoInstanceTests(InferenceServer inference, RedisBackend backend)
    : TwoInstanceTests(inference, backend), IClassFixture<RedisBackend>;
