namespace DragGan.Sessions.Drags;

/// <summary>
/// The client's commands of one drag that no persisted state covers yet, in the order they were
/// sent. When a replica fails, the drag resumes elsewhere from the last persisted state and these
/// are sent again first. A state covers the first <c>commands_applied</c> commands of the stream
/// that produced it: a state made before a command arrived must not confirm that command, or a
/// replica that dies before applying it loses it.
/// </summary>
/// <remarks>Thread-safe: the forwarder adds commands while the stream's reader confirms them.</remarks>
internal sealed class CommandReplay
{
    private readonly Lock _gate = new();
    private readonly List<ClientDragCommand> _unconfirmed = [];

    /// <summary>Commands of the current stream that persisted states have covered so far.</summary>
    private ulong _confirmedOnStream;

    /// <summary>
    /// A new inference stream opens. Returns the commands to send on it before any new one; they
    /// are that stream's first commands.
    /// </summary>
    public IReadOnlyList<ClientDragCommand> BeginStream()
    {
        lock (_gate)
        {
            _confirmedOnStream = 0;
            return [.. _unconfirmed];
        }
    }

    /// <summary>Records <paramref name="command"/> as sent next on the current stream.</summary>
    public void Sending(ClientDragCommand command)
    {
        lock (_gate)
            _unconfirmed.Add(command);
    }

    /// <summary>A persisted state covers the current stream's first <paramref name="applied"/> commands.</summary>
    public void Confirm(ulong applied)
    {
        lock (_gate)
        {
            if (applied <= _confirmedOnStream)
                return;
            var covered = (int)Math.Min(applied - _confirmedOnStream, (ulong)_unconfirmed.Count);
            _unconfirmed.RemoveRange(0, covered);
            _confirmedOnStream = applied;
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
                return _unconfirmed.Count;
        }
    }
}
