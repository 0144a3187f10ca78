namespace DragGan.Sessions.Drags;

/// <summary>
/// Graceful shutdown of a session-service replica: before Kestrel stops, every drag this process
/// runs is handed back (its inference stream closed, its lease given back, its last saved state
/// left on the session), so that another replica takes it over at once instead of after the lease
/// expires. Its watchers here get UNAVAILABLE; watchers elsewhere see their stream end.
/// </summary>
internal sealed class HandBackOnShutdown(ActiveDragRegistry registry, ILogger<HandBackOnShutdown> logger) : IHostedLifecycleService
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var runs = registry.Runs;
        if (runs.Count == 0)
            return;
        logger.LogInformation("Handing back {Count} drags", runs.Count);
        foreach (var run in runs)
            run.HandBack();
        await Task.WhenAll(runs.Select(r => r.Ended)).WaitAsync(Wait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
