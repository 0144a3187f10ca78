using DragGan.Sessions.Storage;

namespace DragGan.Sessions.Admission;

/// <summary>
/// A work lease this process holds: renewed every third of its duration until disposed, which
/// gives it back. <see cref="Lost"/> fires when a renewal finds that another holder has it (this
/// process was cut off from the store for longer than the lease lasts).
/// </summary>
public sealed class HeldLease : IAsyncDisposable
{
    private readonly IWorkLeaseStore _store;
    private readonly TimeSpan _duration;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _lost = new();
    private readonly Task _renewing;
    private int _disposed;

    internal HeldLease(IWorkLeaseStore store, WorkLease lease, TimeSpan duration, ILogger logger)
    {
        _store = store;
        Lease = lease;
        _duration = duration;
        _logger = logger;
        _renewing = RenewAsync();
    }

    public WorkLease Lease { get; }

    public CancellationToken Lost => _lost.Token;

    private async Task RenewAsync()
    {
        using var timer = new PeriodicTimer(_duration / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    if (await _store.RenewAsync(Lease, _duration, _stop.Token))
                        continue;
                    _logger.LogWarning("Lease {Kind} {Id} of tenant {Tenant} was lost to another holder", Lease.Kind, Lease.Id, Lease.Tenant);
                    await _lost.CancelAsync();
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The store is out of reach: the next tick tries again, within the lease's duration.
                    _logger.LogWarning(e, "Lease {Kind} {Id} of tenant {Tenant} could not be renewed", Lease.Kind, Lease.Id, Lease.Tenant);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stop.CancelAsync();
        await _renewing;
        try
        {
            await _store.ReleaseAsync(Lease, CancellationToken.None);
        }
        catch (Exception e)
        {
            // It expires by itself.
            _logger.LogWarning(e, "Lease {Kind} {Id} of tenant {Tenant} could not be given back; it expires in {Duration}", Lease.Kind, Lease.Id, Lease.Tenant, _duration);
        }
        _stop.Dispose();
    }
}
