using System.Threading.Channels;
using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>
/// Frames of a drag run elsewhere, as the relay delivers them: a small queue where the newest
/// wins, completed by the drag's last frame (its commit or discard), or by a frame saying that the
/// replica that ran it handed it back (the drag goes on when a replica takes it over).
/// </summary>
internal sealed class RelayedFrames
{
    private readonly Channel<SessionDragFrame> _frames = Channel.CreateBounded<SessionDragFrame>(new BoundedChannelOptions(8)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    public ChannelReader<SessionDragFrame> Reader => _frames.Reader;

    public void Add(SessionDragFrame frame)
    {
        _frames.Writer.TryWrite(frame);
        if (IsLast(frame) || IsHandBack(frame))
            _frames.Writer.TryComplete();
    }

    /// <summary>The drag's last frame, or null when the replica that ran it handed it back first.</summary>
    public async Task<SessionDragFrame?> LastAsync(CancellationToken cancellationToken)
    {
        await foreach (var frame in _frames.Reader.ReadAllAsync(cancellationToken))
        {
            if (IsLast(frame))
                return frame;
        }
        return null;
    }

    public static bool IsLast(SessionDragFrame frame) => frame.HasCommittedEntryId || frame.Discarded;

    public static bool IsHandBack(SessionDragFrame frame) => frame.Frame?.HandedBack == true;
}
