using System.Threading.Channels;
using DragGan.Protos.V1;

namespace DragGan.Sessions.Drags;

/// <summary>
/// A drag that another session-service replica runs, attached to through the relay: commands go
/// to that replica, its frames come back (until its last frame, or until it hands the drag back).
/// </summary>
internal sealed class RemoteDrag : IDragControl, IAsyncDisposable
{
    private readonly IDragRelay _relay;
    private readonly RelayedFrames _frames = new();
    private IAsyncDisposable? _subscription;

    private RemoteDrag(IDragRelay relay, ActiveDrag active)
    {
        _relay = relay;
        Active = active;
    }

    public ActiveDrag Active { get; }

    public ChannelReader<SessionDragFrame> Frames => _frames.Reader;

    /// <summary>Listens to the drag's frames from its newest on (asked of its runner, so that a drag that does not step shows too).</summary>
    public static async Task<RemoteDrag> AttachAsync(IDragRelay relay, ActiveDrag active, CancellationToken cancellationToken = default)
    {
        var drag = new RemoteDrag(relay, active);
        drag._subscription = await relay.SubscribeFramesAsync(active.DragId, drag._frames.Add);
        try
        {
            // Best effort: a runner that cannot answer still relays its next frames.
            await relay.SendCommandAsync(active.DragId, new RelayedDragCommand { ResendFrame = new() }, cancellationToken);
        }
        catch
        {
            // The caller went away while asking: its subscription must not outlive it.
            await drag.DisposeAsync();
            throw;
        }
        return drag;
    }

    public async Task SendAsync(ClientDragCommand command, CancellationToken cancellationToken = default)
    {
        (await _relay.SendCommandAsync(Active.DragId, command.ToRelayed(), cancellationToken)).ThrowUnlessQueued(Active.DragId);
    }

    public async ValueTask DisposeAsync()
    {
        if (_subscription is not null)
            await _subscription.DisposeAsync();
    }
}
