using DragGan.Sessions.Storage;

namespace DragGan.Sessions.Tests.Support;

/// <summary>
/// One kind of store for the tests that run against both: how to open a store directly, and the
/// host settings that make a session host use it. Each <c>isolation</c> string gets its own data
/// (a SQLite file, a Redis key prefix); hosts given the same one share it.
/// </summary>
public interface IStoreBackend
{
    string Name { get; }

    /// <summary>A store over the isolation's data; dispose the returned handle after use.</summary>
    (ISessionStore Sessions, IDragFrameStore Frames) Open(string isolation, SessionStoreLimits limits);

    /// <summary>The work leases over the isolation's data.</summary>
    IWorkLeaseStore OpenLeases(string isolation);

    IEnumerable<KeyValuePair<string, string?>> HostSettings(string isolation);
}

public static class StoreBackendExtensions
{
    /// <summary>A store that keeps <paramref name="maxFrames"/> frames per session and has no byte budgets.</summary>
    public static (ISessionStore Sessions, IDragFrameStore Frames) Open(this IStoreBackend backend, string isolation, int maxFrames) =>
        backend.Open(isolation, new SessionStoreLimits { MaxDragFrames = maxFrames });
}

/// <summary>SQLite files in a temporary folder, removed at the end.</summary>
public sealed class SqliteBackend : IStoreBackend, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("draggan-sessions-tests-").FullName;

    public string Name => "sqlite";

    public string PathOf(string isolation) => Path.Combine(_folder, $"{isolation}.db");

    public (ISessionStore Sessions, IDragFrameStore Frames) Open(string isolation, SessionStoreLimits limits)
    {
        var store = new SqliteSessionStore(PathOf(isolation), limits, TimeProvider.System);
        return (store, store);
    }

    public IWorkLeaseStore OpenLeases(string isolation) => new SqliteWorkLeaseStore(PathOf(isolation), TimeProvider.System);

    public IEnumerable<KeyValuePair<string, string?>> HostSettings(string isolation) =>
    [
        new("Sessions:Store", "sqlite"),
        new("Sessions:SqlitePath", PathOf(isolation)),
    ];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>A real redis-server (see <see cref="RedisServer"/>); isolations are key prefixes.</summary>
public sealed class RedisBackend : IStoreBackend, IAsyncLifetime
{
    private readonly RedisServer _server = new();

    public string Name => "redis";

    public RedisServer Server => _server;

    public (ISessionStore Sessions, IDragFrameStore Frames) Open(string isolation, SessionStoreLimits limits)
    {
        var store = new RedisSessionStore(_server.Connection, $"test:{isolation}:", limits, TimeProvider.System);
        return (store, store);
    }

    public IWorkLeaseStore OpenLeases(string isolation) => new RedisWorkLeaseStore(_server.Connection, $"test:{isolation}:", TimeProvider.System);

    public IEnumerable<KeyValuePair<string, string?>> HostSettings(string isolation) =>
    [
        new("Sessions:Store", "redis"),
        new("ConnectionStrings:Redis", _server.PatientConnectionString),
        new("Sessions:RedisKeyPrefix", $"test:{isolation}:"),
    ];

    public Task InitializeAsync() => _server.InitializeAsync();

    public Task DisposeAsync() => _server.DisposeAsync();
}
