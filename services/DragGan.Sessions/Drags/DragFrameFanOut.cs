using System.Threading.Channels;
using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>
/// Everyone watching one drag: the clients of this process (<see cref="DragWatchers"/>) and, through
/// the relay, those on the other replicas (<see cref="RelayedFramePublisher"/>). A frame that cannot
/// be relayed is missed only by the watchers elsewhere; the drag and its persisted state go on.
/// </summary>
internal sealed class DragFrameFanOut(string dragId, IDragRelay relay, RelayOptions options, ILogger logger)
{
    private readonly DragWatchers _local = new();
    private readonly RelayedFramePublisher _relayed = new(relay, dragId, options, logger);

    /// <summary>Clients watching here now.</summary>
    public int LocalCount => _local.Count;

    /// <summary>Frames from now on, newest winning for a slow watcher; the last one is always delivered. Dispose it to stop watching.</summary>
    public DragWatcher Watch() => _local.Add();

    /// <summary>A watcher's call ended: it no longer counts as watching the drag.</summary>
    public void Forget(ChannelReader<SessionDragFrame> watcher) => _local.Remove(watcher);

    /// <summary>Whether anyone watches, here or on another replica.</summary>
    public async Task<bool> AnyAsync() => _local.Count > 0 || await relay.HasWatchersAsync(dragId);

    /// <summary>The frame to every watcher here and to those elsewhere; <paramref name="last"/> ends their watch.</summary>
    public async Task PublishAsync(SessionDragFrame frame, bool last)
    {
        if (last)
            _local.Complete(frame);
        else
            _local.Publish(frame);
        try
        {
            await _relayed.PublishAsync(frame, last);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Drag {DragId}: a frame could not be relayed", dragId);
        }
    }

    /// <summary>Relays the newest frame again, for a watcher that joined on another replica.</summary>
    public async Task ResendNewestAsync()
    {
        try
        {
            await _relayed.ResendNewestAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Drag {DragId}: its newest frame could not be relayed", dragId);
        }
    }

    /// <summary>Ends the watch here with <paramref name="error"/>, and elsewhere with <paramref name="relayedLast"/>.</summary>
    public async Task FailAsync(Exception error, SessionDragFrame relayedLast)
    {
        _local.Fail(error);
        try
        {
            await relay.PublishFrameAsync(dragId, relayedLast);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Drag {DragId}: its end could not be relayed", dragId);
        }
    }
}
