namespace DragGan.Inference;

/// <summary>
/// One model's gate: at most <c>concurrency</c> holders, and its waiters, the drag loop's ticks and
/// every other call (generations, inversion steps, drag openings) queued by tenant. A freed place
/// goes by the tenants' passes (<see cref="TenantPasses"/>), which the drag loop's batches share: to
/// the waiting call of the tenant with the lowest pass, or to the loop's tick when a tenant with a
/// ready drag has a lower one. Equal passes: a tick and a call alternate, and calls go round-robin
/// between tenants in the order they came; each tenant's calls first come, first served.
/// </summary>
/// <remarks>
/// The drag loop asks for the gate once a step, as one waiter for every tenant's drags. In one
/// first-come queue with the calls, a tenant generating at its limit (eight sessions at once by
/// default) put eight forwards ahead of each step of every drag, and of every other tenant's calls.
/// By passes, a tenant's generations and its drags' steps come out of one share.
/// </remarks>
internal sealed class ModelGate(int concurrency, TenantPasses passes)
{
    private readonly Lock _lock = new();
    private readonly Queue<(TaskCompletionSource Waiter, Func<IReadOnlyCollection<string>> ReadyTenants)> _ticks = new();
    private readonly Dictionary<string, Queue<TaskCompletionSource>> _calls = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _callTurns = new();
    private int _free = concurrency;
    private bool _tickHadLastTurn;

    public TenantPasses Passes => passes;

    /// <summary>Waits for a place for a call of <paramref name="tenant"/> ("" for none).</summary>
    public Task EnterCallAsync(string tenant, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            // A free place means nobody waits (a release hands its place to a waiter first).
            if (_free > 0)
            {
                _free--;
                GrantedCall(tenant);
                return Task.CompletedTask;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_calls.TryGetValue(tenant, out var queue))
            {
                _calls[tenant] = queue = new Queue<TaskCompletionSource>();
                _callTurns.AddLast(tenant);
            }
            queue.Enqueue(waiter);
        }
        return WaitAsync(waiter, cancellationToken);
    }

    /// <summary>Waits for a place for a tick of the drag loop, whose ready drags' tenants <paramref name="readyTenants"/> names.</summary>
    public Task EnterTickAsync(Func<IReadOnlyCollection<string>> readyTenants, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (_free > 0)
            {
                _free--;
                _tickHadLastTurn = true;
                return Task.CompletedTask;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _ticks.Enqueue((waiter, readyTenants));
        }
        return WaitAsync(waiter, cancellationToken);
    }

    public void Release()
    {
        lock (_lock)
        {
            while (true)
            {
                var callTenant = LowestCallTenant();
                if (_ticks.Count > 0 && (callTenant is null || TickGoesFirst(_ticks.Peek().ReadyTenants(), callTenant)))
                {
                    if (_ticks.Dequeue().Waiter.TrySetResult())
                    {
                        _tickHadLastTurn = true;
                        return;
                    }
                    continue;
                }
                if (callTenant is null)
                {
                    _free++;
                    return;
                }
                var queue = _calls[callTenant];
                var waiter = queue.Dequeue();
                _callTurns.Remove(callTenant);
                if (queue.Count > 0)
                    _callTurns.AddLast(callTenant);
                else
                    _calls.Remove(callTenant);
                if (waiter.TrySetResult())
                {
                    GrantedCall(callTenant);
                    return;
                }
            }
        }
    }

    /// <summary>The waiting call's tenant with the lowest pass, the first in turn among equals; null when no call waits.</summary>
    private string? LowestCallTenant()
    {
        string? lowest = null;
        foreach (var tenant in _callTurns)
        {
            if (lowest is null || passes.PassOf(tenant) < passes.PassOf(lowest) && !TenantPasses.Level(passes.PassOf(tenant), passes.PassOf(lowest)))
                lowest = tenant;
        }
        return lowest;
    }

    private bool TickGoesFirst(IReadOnlyCollection<string> readyTenants, string callTenant)
    {
        var call = passes.PassOf(callTenant);
        // A tick with no drag ready (commands, ends) takes turns with the calls.
        var tick = readyTenants.Count > 0 ? readyTenants.Min(passes.PassOf) : call;
        return TenantPasses.Level(tick, call) ? !_tickHadLastTurn : tick < call;
    }

    private void GrantedCall(string tenant)
    {
        _tickHadLastTurn = false;
        passes.Charge(tenant);
    }

    private static async Task WaitAsync(TaskCompletionSource waiter, CancellationToken cancellationToken)
    {
        // A cancelled waiter stays queued until a release skips it.
        await using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
            await waiter.Task.ConfigureAwait(false);
    }
}
