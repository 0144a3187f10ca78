namespace DragGan.Inference;

/// <summary>
/// One model's gate: at most <c>concurrency</c> holders, and its waiters in two kinds, the drag
/// loop's ticks and every other call (generations, inversion steps, drag openings), the calls queued
/// by tenant. While both kinds wait, a freed place goes to the kind that did not have the last one;
/// among the calls, to the tenants in turn (round-robin in the order they came, the tenant that had
/// the last call's place after the others), each tenant's calls first come, first served.
/// </summary>
/// <remarks>
/// The drag loop steps every tenant's drags by weighted turns (<see cref="Drags.TenantTurns"/>) but
/// asks for the gate once a step, as one waiter. In one first-come queue with the calls, a tenant
/// generating at its limit (eight sessions at once by default) put eight forwards ahead of each
/// step of every drag, and ahead of every other tenant's generations and drag openings.
/// </remarks>
internal sealed class ModelGate(int concurrency)
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _ticks = new();
    private readonly Dictionary<string, Queue<TaskCompletionSource>> _calls = new(StringComparer.Ordinal);
    private readonly LinkedList<string> _callTurns = new();
    private int _free = concurrency;
    private bool _tickHadLastTurn;
    private string? _lastCallTenant;

    /// <param name="tenant">The call's tenant ("" for none); ignored for a drag tick.</param>
    public async Task EnterAsync(bool dragTick, string tenant, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            // A free place means nobody waits (a release hands its place to a waiter first).
            if (_free > 0)
            {
                _free--;
                Granted(dragTick, tenant);
                return;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (dragTick)
            {
                _ticks.Enqueue(waiter);
            }
            else
            {
                if (!_calls.TryGetValue(tenant, out var queue))
                {
                    _calls[tenant] = queue = new Queue<TaskCompletionSource>();
                    _callTurns.AddLast(tenant);
                }
                queue.Enqueue(waiter);
            }
        }
        // A cancelled waiter stays queued until a release skips it.
        await using (cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken)))
            await waiter.Task.ConfigureAwait(false);
    }

    public void Release()
    {
        lock (_lock)
        {
            while (true)
            {
                var tick = _ticks.Count > 0 && (_callTurns.Count == 0 || !_tickHadLastTurn);
                if (tick)
                {
                    if (_ticks.Dequeue().TrySetResult())
                    {
                        Granted(dragTick: true, "");
                        return;
                    }
                    continue;
                }
                if (_callTurns.Count == 0)
                {
                    _free++;
                    return;
                }
                var tenant = NextCallTenant();
                var queue = _calls[tenant];
                var waiter = queue.Dequeue();
                if (queue.Count == 0)
                {
                    _calls.Remove(tenant);
                    _callTurns.Remove(tenant);
                }
                if (waiter.TrySetResult())
                {
                    Granted(dragTick: false, tenant);
                    return;
                }
            }
        }
    }

    /// <summary>The front of the tenants' turns, moved to the back; the last call's tenant goes after the others.</summary>
    private string NextCallTenant()
    {
        if (_callTurns.First!.Value == _lastCallTenant && _callTurns.Count > 1)
        {
            _callTurns.RemoveFirst();
            _callTurns.AddLast(_lastCallTenant);
        }
        var tenant = _callTurns.First!.Value;
        _callTurns.RemoveFirst();
        _callTurns.AddLast(tenant);
        return tenant;
    }

    private void Granted(bool dragTick, string tenant)
    {
        _tickHadLastTurn = dragTick;
        if (!dragTick)
            _lastCallTenant = tenant;
    }
}
