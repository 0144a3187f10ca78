using DragGan.Inference.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace DragGan.Inference.Streaming;

/// <summary>
/// Admits Drag and Invert streams up to <see cref="InferenceOptions.MaxActiveStreams"/> per replica,
/// and refuses new ones once the replica drains. A full replica answers RESOURCE_EXHAUSTED and a
/// draining one UNAVAILABLE, both at once, so that the caller retries on another replica instead
/// of queueing here.
/// </summary>
public sealed class StreamAdmission(IOptions<InferenceOptions> options, InferenceMetrics metrics) : IDisposable
{
    private readonly int _capacity = options.Value.MaxActiveStreams;
    private readonly TimeSpan _startTimeout = options.Value.StartMessageTimeout;
    private readonly InferenceMetrics _metrics = metrics;
    private readonly CancellationTokenSource _handBack = new();
    private int _active;
    private volatile bool _draining;

    public int Active => Volatile.Read(ref _active);

    public bool Draining => _draining;

    /// <summary>Fires when open streams must hand their state back and end (the drain's deadline).</summary>
    public CancellationToken HandBackRequested => _handBack.Token;

    /// <summary>A slot for one stream, released by disposing it.</summary>
    /// <exception cref="RpcException">UNAVAILABLE while draining; RESOURCE_EXHAUSTED at capacity.</exception>
    public IDisposable Enter(string kind)
    {
        if (_draining)
            throw new RpcException(new Status(StatusCode.Unavailable, "This replica is shutting down; open the stream on another replica."));
        if (Interlocked.Increment(ref _active) > _capacity)
        {
            Interlocked.Decrement(ref _active);
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"This replica serves its maximum of {_capacity} streams; retry on another replica or later."));
        }
        _metrics.StreamOpened(kind);
        return new Slot(this, kind);
    }

    /// <summary>
    /// A slot for one stream (<see cref="Enter"/>) and the stream's opening message, which must come
    /// within <see cref="InferenceOptions.StartMessageTimeout"/> (see <see cref="FirstMessage"/>), so
    /// that an idle connection does not hold the slot. Dispose it to release the slot.
    /// </summary>
    public async Task<OpenedStream<T>> OpenAsync<T>(string kind, IAsyncStreamReader<T> requests, string expected, CancellationToken cancellationToken)
    {
        var slot = Enter(kind);
        try
        {
            return new OpenedStream<T>(slot, await FirstMessage.ReadAsync(requests, _startTimeout, expected, cancellationToken));
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    public void BeginDrain() => _draining = true;

    public void RequestHandBack() => _handBack.Cancel();

    public void Dispose() => _handBack.Dispose();

    private sealed class Slot(StreamAdmission admission, string kind) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
                return;
            Interlocked.Decrement(ref admission._active);
            admission._metrics.StreamClosed(kind);
        }
    }
}
