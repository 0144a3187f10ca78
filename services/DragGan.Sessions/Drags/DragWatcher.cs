using System.Threading.Channels;
using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>One client's frames of a drag; disposing it stops them and forgets the watcher.</summary>
internal sealed class DragWatcher(ChannelReader<SessionDragFrame> frames, Action leave) : IDisposable
{
    private int _left;

    public ChannelReader<SessionDragFrame> Frames { get; } = frames;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _left, 1) == 0)
            leave();
    }
}
