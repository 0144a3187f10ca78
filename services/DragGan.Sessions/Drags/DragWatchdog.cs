using DragGan.Protos.V1;
using DragGan.Sessions.Domain;

namespace DragGan.Sessions.Drags;

/// <summary>
/// Looks at a running drag every few seconds: ends it when its session is gone (deleted, expired)
/// or the drag is no longer the session's, and stops it as a client would when it takes no step,
/// has no watcher and gets no command for the idle timeout.
/// </summary>
internal sealed class DragWatchdog(DragPlan plan, DragProgress progress, DragFrameFanOut watchers, SessionEditor editor, TimeSpan idleTimeout, ILogger logger)
{
    private long _lastActiveMs = Environment.TickCount64;

    /// <summary>Something happened to the drag (a command came): its idle time starts again.</summary>
    public void MarkActive() => Interlocked.Exchange(ref _lastActiveMs, Environment.TickCount64);

    /// <summary>Watches until <paramref name="cancellationToken"/> is cancelled or one of the two actions has been taken.</summary>
    public async Task RunAsync(Func<Task> sessionGone, Func<CancellationToken, ValueTask> stopIdle, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Clamp(idleTimeout.TotalMilliseconds / 4, 50, 5000));
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    if (!await SessionStillHasTheDragAsync(cancellationToken))
                    {
                        await sessionGone();
                        return;
                    }
                    if (await IdleAsync())
                    {
                        logger.LogInformation("Drag {DragId} of session {SessionId} sat idle for {Idle}: it is stopped and committed", plan.DragId, plan.Key.Id, idleTimeout);
                        await stopIdle(cancellationToken);
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The store is out of reach: look again at the next tick.
                    logger.LogDebug(e, "Drag {DragId}: could not check its session", plan.DragId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Whether the session still exists with this drag active. Read from the store only once the
    /// session's expiry (as of the run's last write) has passed: every other change to a session
    /// with a drag is the run's own, and a delete ends the drag directly.
    /// </summary>
    private async Task<bool> SessionStillHasTheDragAsync(CancellationToken cancellationToken)
    {
        if (progress.SessionExpiresAt is { } expires && DateTimeOffset.UtcNow < expires)
            return true;
        var record = await editor.FindAsync(plan.Key, cancellationToken);
        if (record?.Value.Session.ActiveDrag?.DragId != plan.DragId)
            return false;
        progress.NoteSessionExpiry(record.Value.Session.ExpireTime);
        return true;
    }

    /// <summary>Not stepping, no command and nobody watching (here or on another replica) for the idle timeout.</summary>
    private async Task<bool> IdleAsync()
    {
        if (progress.Phase is not (DragPhase.Paused or DragPhase.Converged or DragPhase.StepLimitReached))
        {
            MarkActive();
            return false;
        }
        if (await watchers.AnyAsync())
            MarkActive();
        return Environment.TickCount64 - Interlocked.Read(ref _lastActiveMs) >= idleTimeout.TotalMilliseconds;
    }
}
