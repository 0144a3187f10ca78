using System.Threading.Channels;
using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>
/// The clients watching one drag (its Drag stream, WatchDrag calls). Each has a small queue where
/// the newest frame wins, so a slow watcher never holds the drag back; the last frame (the commit)
/// is queued last and so always arrives.
/// </summary>
internal sealed class DragWatchers
{
    private const int QueueCapacity = 8;
    private readonly List<Channel<SessionDragFrame>> _watchers = [];
    private SessionDragFrame? _last;
    private Exception? _failure;
    private bool _ended;

    public ChannelReader<SessionDragFrame> Add()
    {
        var channel = Channel.CreateBounded<SessionDragFrame>(new BoundedChannelOptions(QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_watchers)
        {
            if (_ended)
            {
                if (_last is not null)
                    channel.Writer.TryWrite(_last);
                channel.Writer.TryComplete(_failure);
            }
            else
            {
                _watchers.Add(channel);
            }
        }
        return channel.Reader;
    }

    /// <summary>Watchers connected now.</summary>
    public int Count
    {
        get
        {
            lock (_watchers)
                return _watchers.Count;
        }
    }

    /// <summary>A watcher went away (its call ended): it no longer counts nor gets frames.</summary>
    public void Remove(ChannelReader<SessionDragFrame> reader)
    {
        lock (_watchers)
            _watchers.RemoveAll(watcher => watcher.Reader == reader);
    }

    public void Publish(SessionDragFrame frame)
    {
        lock (_watchers)
        {
            foreach (var watcher in _watchers)
                watcher.Writer.TryWrite(frame);
        }
    }

    public void Complete(SessionDragFrame last) => End(last, null);

    public void Fail(Exception error) => End(null, error);

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
