using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Exports;

/// <summary>
/// This replica's animation exports at once (<see cref="ExportLimitOptions.PerReplica"/>): a call
/// that finds none free is refused rather than queued, so that waiting exports hold no memory.
/// </summary>
public sealed class ExportSlots(IOptions<SessionsOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _free = new(options.Value.ExportLimits.PerReplica, options.Value.ExportLimits.PerReplica);

    /// <summary>A slot to dispose when the export ends, or null when every slot is taken.</summary>
    public IDisposable? TryEnter() => _free.Wait(0) ? new Slot(_free) : null;

    public void Dispose() => _free.Dispose();

    private sealed class Slot(SemaphoreSlim free) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                free.Release();
        }
    }
}
