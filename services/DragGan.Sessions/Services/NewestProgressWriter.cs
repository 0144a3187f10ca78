using System.Threading.Channels;

namespace DragGan.Sessions.Services;

/// <summary>
/// Sends progress reports to a response stream without ever making the reporter wait: one message
/// is written at a time, and while it is, the newest report waits in a one-place slot (a newer one
/// replaces it). A client that reads slowly gets fewer reports, never an older one after a newer
/// one, and the work that reports is not slowed by it.
/// </summary>
internal sealed class NewestProgressWriter<T> : IProgress<T>, IAsyncDisposable
{
    private readonly Channel<T> _waiting = Channel.CreateBounded<T>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
        SingleWriter = true,
    });

    private readonly Task _writing;

    /// <param name="write">Writes one report to the stream; never called concurrently.</param>
    public NewestProgressWriter(Func<T, Task> write) => _writing = WriteAllAsync(write);

    public void Report(T value) => _waiting.Writer.TryWrite(value);

    /// <summary>Writes the report still waiting, if any, and stops; throws when a write failed.</summary>
    public async Task CompleteAsync()
    {
        _waiting.Writer.TryComplete();
        await _writing;
    }

    /// <summary>Stops once the writes under way and waiting are done, ignoring their failure: the call's own outcome is reported instead.</summary>
    public async ValueTask DisposeAsync()
    {
        _waiting.Writer.TryComplete();
        try
        {
            await _writing;
        }
        catch (Exception)
        {
            // A write fails when the stream has ended; the call's status says why.
        }
    }

    private async Task WriteAllAsync(Func<T, Task> write)
    {
        await foreach (var value in _waiting.Reader.ReadAllAsync())
            await write(value);
    }
}
