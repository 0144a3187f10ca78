namespace DragGan.Inference.Streaming;

/// <summary>An admitted stream and its opening message (<see cref="StreamAdmission.OpenAsync"/>); disposing it releases the stream's slot.</summary>
public sealed class OpenedStream<T>(IDisposable slot, T first) : IDisposable
{
    public T First { get; } = first;

    public void Dispose() => slot.Dispose();
}
