using DragGan.Protos.V1;
using DragGan.Sessions.Exports;

namespace DragGan.Sessions.Drags;

/// <summary>
/// Publishes one drag's frames to the relay within <see cref="RelayOptions"/>: a frame goes only
/// when another replica listens for the drag's frames, no sooner than 1 / MaxFramesPerSecond after
/// the previous one, with its image bounded. A frame that comes too soon waits its turn, replaced by
/// any newer one, so that the newest frame always reaches the watchers. Last frames go at once.
/// </summary>
internal sealed class RelayedFramePublisher(IDragRelay relay, string dragId, RelayOptions options, ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly long _intervalMs = 1000 / options.MaxFramesPerSecond;
    private long _lastSentMs = long.MinValue / 2;
    private SessionDragFrame? _waiting;
    private SessionDragFrame? _newest;
    private bool _flushScheduled;
    private volatile bool _ended;

    /// <summary>Relays <paramref name="frame"/> now, later (as the newest waiting frame), or not at all when nobody elsewhere watches.</summary>
    public async Task PublishAsync(SessionDragFrame frame, bool last)
    {
        if (last)
        {
            _ended = true;
            await SendAsync(frame);
            return;
        }
        long wait;
        lock (_lock)
        {
            _newest = frame;
            wait = _lastSentMs + _intervalMs - Environment.TickCount64;
            if (wait > 0)
            {
                _waiting = frame;
                if (_flushScheduled)
                    return;
                _flushScheduled = true;
            }
            else
            {
                _lastSentMs = Environment.TickCount64;
            }
        }
        if (wait > 0)
            _ = FlushAfterAsync(wait);
        else if (await relay.HasWatchersAsync(dragId))
            await SendAsync(frame);
    }

    /// <summary>
    /// Relays the newest frame now, whether or not it went before: a watcher that joins on another
    /// replica while the drag does not step (paused, at its step limit) would otherwise see nothing.
    /// </summary>
    public async Task ResendNewestAsync()
    {
        SessionDragFrame? frame;
        lock (_lock)
            frame = _newest;
        if (frame is not null && !_ended)
            await SendAsync(frame);
    }

    private async Task FlushAfterAsync(long delayMs)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(delayMs));
        SessionDragFrame? frame;
        lock (_lock)
        {
            (frame, _waiting, _flushScheduled) = (_waiting, null, false);
            _lastSentMs = Environment.TickCount64;
        }
        try
        {
            if (frame is not null && !_ended && await relay.HasWatchersAsync(dragId))
                await SendAsync(frame);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Drag {DragId}: a frame could not be relayed", dragId);
        }
    }

    private Task SendAsync(SessionDragFrame frame) => relay.PublishFrameAsync(dragId, Bounded(frame));

    /// <summary>The frame with its image as a JPEG of at most FrameMaxSide, or without it when it cannot be read.</summary>
    private SessionDragFrame Bounded(SessionDragFrame frame)
    {
        if (frame.Frame?.Image is not { Data.IsEmpty: false } image)
            return frame;
        var bounded = frame.Clone();
        try
        {
            bounded.Frame.Image = KeptFrames.Bound(image, options.FrameMaxSide);
        }
        catch (InvalidDataException)
        {
            bounded.Frame.Image = null;
        }
        return bounded;
    }
}
