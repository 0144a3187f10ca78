namespace DragGan.Sessions.Tests.Support;

/// <summary>
/// An inference replica of the test's own (<see cref="InferenceReplicaHost"/>) behind one or more
/// session services that share one store, each isolated from other tests' data.
/// </summary>
public sealed class ReplicaStack : IAsyncDisposable
{
    private ReplicaStack(InferenceReplicaHost inference, IReadOnlyList<SessionsServer> sessions, IReadOnlyList<KeyValuePair<string, string?>> sessionSettings)
    {
        Inference = inference;
        Sessions = sessions;
        SessionSettings = sessionSettings;
    }

    public InferenceReplicaHost Inference { get; }

    /// <summary>The session services, all on the same store and replica.</summary>
    public IReadOnlyList<SessionsServer> Sessions { get; }

    /// <summary>Every setting the session services started with, for a test that starts another one like them.</summary>
    public IReadOnlyList<KeyValuePair<string, string?>> SessionSettings { get; }

    /// <param name="backend">The store the session services share.</param>
    /// <param name="sessionServices">How many session services to start.</param>
    /// <param name="sessionSettings">Settings of every session service, on top of the replica's address and the store's.</param>
    /// <param name="replicaSettings">Settings of the replica, on top of <see cref="InferenceReplicaHost"/>'s.</param>
    public static async Task<ReplicaStack> StartAsync(
        IStoreBackend backend,
        int sessionServices = 1,
        IEnumerable<KeyValuePair<string, string?>>? sessionSettings = null,
        params KeyValuePair<string, string?>[] replicaSettings)
    {
        var inference = await InferenceReplicaHost.StartAsync(replicaSettings);
        KeyValuePair<string, string?>[] settings =
        [
            new("Sessions:InferenceAddress", inference.Address),
            .. sessionSettings ?? [],
            .. backend.HostSettings(Guid.NewGuid().ToString("N")),
        ];
        var sessions = new List<SessionsServer>();
        for (var i = 0; i < sessionServices; i++)
            sessions.Add(await SessionsServer.StartAsync(settings));
        return new ReplicaStack(inference, sessions, settings);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var sessions in Sessions)
            await sessions.DisposeAsync();
        await Inference.DisposeAsync();
    }
}
