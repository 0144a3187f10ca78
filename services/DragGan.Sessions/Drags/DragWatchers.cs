using System.Threading.Channels;
using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>
/// The clients watching one drag (its Drag stream, WatchDrag calls). Each has a small queue where
/// the newest frame wins, so a slow watcher never holds the drag back; the last frame (the commit)
/// is queued last and so always arrives. A new watcher starts with the newest frame, so one that
/// joins a drag that has stopped stepping (paused, converged, at its step limit) sees it at once.
/// A watcher leaves when its call ends (disposing it), so a
/// paused drag that clients keep reconnecting to holds only the watchers connected now.
/// </summary>
internal sealed class DragWatchers
{
    private const int QueueCapacity = 8;
    private readonly List<Channel<SessionDragFrame>> _watchers = [];
    private SessionDragFrame? _last;
    private Exception? _failure;
    private bool _ended;

    /// <summary>Watchers registered now.</summary>
    public int Count
    {
        get
        {
            lock (_watchers)
                return _watchers.Count;
        }
    }

    public DragWatcher Add()
    {
        var channel = Channel.CreateBounded<SessionDragFrame>(new BoundedChannelOptions(QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_watchers)
        {
            if (_last is not null)
                channel.Writer.TryWrite(_last);
            if (_ended)
                channel.Writer.TryComplete(_failure);
            else
                _watchers.Add(channel);
        }
        return new DragWatcher(channel.Reader, () => Remove(channel));
    }

    /// <summary>A watcher went away (its call ended): it no longer counts nor gets frames.</summary>
    public void Remove(ChannelReader<SessionDragFrame> reader)
    {
        Channel<SessionDragFrame>? channel;
        lock (_watchers)
            channel = _watchers.Find(watcher => watcher.Reader == reader);
        if (channel is not null)
            Remove(channel);
    }

    public void Publish(SessionDragFrame frame)
    {
        lock (_watchers)
        {
            _last = frame;
            foreach (var watcher in _watchers)
                watcher.Writer.TryWrite(frame);
        }
    }

    public void Complete(SessionDragFrame last) => End(last, null);

    public void Fail(Exception error) => End(null, error);

    private void Remove(Channel<SessionDragFrame> channel)
    {
        lock (_watchers)
            _watchers.Remove(channel);
        channel.Writer.TryComplete();
    }

    private void End(SessionDragFrame? last, Exception? error)
    {
        lock (_watchers)
        {
            _ended = true;
            _last = last;
            _failure = error;
            foreach (var watcher in _watchers)
            {
                if (last is not null)
                    watcher.Writer.TryWrite(last);
                watcher.Writer.TryComplete(error);
            }
            _watchers.Clear();
        }
    }
}
