using System.Runtime.CompilerServices;
using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.Client;

/// <summary>
/// A running drag of a session (one bidirectional Drag call): its frames as an async stream, and
/// methods that steer it. The service commits the drag to the session's history when it ends:
/// after <see cref="StopAsync"/>, or when the call is cancelled or disposed (then as it stands at
/// its last persisted step). A drag that converges or reaches max_steps stays open for updates
/// until it is stopped.
/// </summary>
public sealed class SessionDrag : IAsyncDisposable, IDisposable
{
    private readonly AsyncDuplexStreamingCall<SessionDragRequest, SessionDragFrame> _call;
    // gRPC allows one write at a time on a stream; steering may come from several threads.
    private readonly SemaphoreSlim _writes = new(1, 1);
    private bool _requestsCompleted;
    private int _reading;

    private SessionDragFrame? _first;

    internal SessionDrag(string sessionId, AsyncDuplexStreamingCall<SessionDragRequest, SessionDragFrame> call, SessionDragFrame first)
    {
        SessionId = sessionId;
        _call = call;
        _first = first;
        DragId = first.DragId;
    }

    /// <summary>The session being dragged.</summary>
    public string SessionId { get; }

    /// <summary>The drag's id (ActiveDrag.drag_id, later the history entry's drag_id).</summary>
    public string DragId { get; }

    /// <summary>
    /// The drag's last frame once the stream has ended: <see cref="SessionDragFrame.CommittedEntryId"/>
    /// (or <see cref="SessionDragFrame.Discarded"/>) and the session after the commit.
    /// </summary>
    public SessionDragFrame? Result { get; private set; }

    /// <summary>
    /// The drag's frames, one per optimisation step (plus acknowledgements of pauses), ending after
    /// the last frame, which carries the committed history entry and the session. Enumerate once.
    /// </summary>
    /// <param name="cancellationToken">Cancels the enumeration and the drag (the service commits it as it stands).</param>
    /// <exception cref="RpcException">The service ended the drag with an error.</exception>
    public async IAsyncEnumerable<SessionDragFrame> ReadFramesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
            throw new InvalidOperationException("The frames of a drag can be read once.");
        // The start already received the first frame.
        var next = _first;
        _first = null;
        while (next is not null || await MoveNextAsync(cancellationToken))
        {
            var frame = next ?? _call.ResponseStream.Current;
            next = null;
            if (frame.HasCommittedEntryId || frame.Discarded || frame.Frame?.Final == true)
                Result = frame;
            yield return frame;
        }
    }

    private async Task<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _call.ResponseStream.MoveNext(cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(e.Status.Detail, e, cancellationToken);
        }
    }

    /// <summary>Applies a change as one message: point edits in order, then mask, parameters and frame options (inference.proto's DragUpdate).</summary>
    public Task UpdateAsync(DragUpdate update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return SendAsync(new SessionDragRequest { Update = update }, cancellationToken);
    }

    /// <summary>Moves the handle and/or the target of pair <paramref name="index"/>; a moved handle tracks the feature at its new position.</summary>
    public Task MovePointAsync(int index, Point? handle = null, Point? target = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return UpdateAsync(Edit(new PointEdit { Move = new PointMove { Index = (uint)index, Handle = handle, Target = target } }), cancellationToken);
    }

    /// <summary>Appends a handle/target pair (at most 32 in all).</summary>
    public Task AddPointAsync(PointPair pair, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pair);
        return UpdateAsync(Edit(new PointEdit { Add = pair }), cancellationToken);
    }

    /// <summary>Removes the pair at <paramref name="index"/>.</summary>
    public Task RemovePointAsync(int index, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return UpdateAsync(Edit(new PointEdit { Remove = (uint)index }), cancellationToken);
    }

    /// <summary>Replaces the fixed region (null removes it).</summary>
    public Task SetMaskAsync(Mask? mask, CancellationToken cancellationToken = default) =>
        UpdateAsync(mask is null ? new DragUpdate { ClearMask = true } : new DragUpdate { Mask = mask }, cancellationToken);

    /// <summary>Changes parameters: set fields replace the current values (space and optimized_layers are fixed for the drag).</summary>
    public Task SetParametersAsync(DragParameters parameters, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return UpdateAsync(new DragUpdate { Parameters = parameters }, cancellationToken);
    }

    /// <summary>Stops stepping; a frame with <c>paused</c> acknowledges it.</summary>
    public Task PauseAsync(CancellationToken cancellationToken = default) =>
        SendAsync(new SessionDragRequest { Pause = new DragPause() }, cancellationToken);

    /// <summary>Continues stepping after a pause.</summary>
    public Task UnpauseAsync(CancellationToken cancellationToken = default) =>
        SendAsync(new SessionDragRequest { Unpause = new DragUnpause() }, cancellationToken);

    /// <summary>
    /// Ends the drag: the service commits it, sends a last frame with the committed entry and the
    /// session, and closes the stream. Keep reading the frames to receive it. Stopping twice is harmless.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            if (_requestsCompleted)
                return;
            _requestsCompleted = true;
            await _call.RequestStream.WriteAsync(new SessionDragRequest { Stop = new DragStop() }, cancellationToken);
            await _call.RequestStream.CompleteAsync();
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>Cancels the call unless it has ended; the service commits the drag as it stands.</summary>
    public void Dispose()
    {
        _call.Dispose();
        _writes.Dispose();
    }

    /// <inheritdoc cref="Dispose"/>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task SendAsync(SessionDragRequest request, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            if (_requestsCompleted)
                throw new InvalidOperationException("The drag was stopped; it takes no more requests.");
            await _call.RequestStream.WriteAsync(request, cancellationToken);
        }
        finally
        {
            _writes.Release();
        }
    }

    private static DragUpdate Edit(PointEdit edit) => new() { PointEdits = { edit } };
}
