namespace DragGan.Inference;

/// <summary>
/// One model's gate: at most <c>concurrency</c> holders, and its waiters in two queues, the drag
/// loop's ticks and every other call (generations, inversion steps, drag openings). While both
/// queues wait, a freed place goes to the kind that did not have the last one; within a kind, first
/// come first served.
/// </summary>
/// <remarks>
/// The drag loop steps every tenant's drags, by weighted turns (<see cref="Drags.TenantTurns"/>),
/// but asks for the gate once per step, as one waiter. In one queue with the calls, a tenant
/// generating at its limit (eight sessions at once by default) put eight forwards ahead of each step
/// of every drag, its own and every other tenant's. Alternating bounds that to one.
/// </remarks>
internal sealed class ModelGate(int concurrency)
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _ticks = new();
    private readonly Queue<TaskCompletionSource> _calls = new();
    private int _free = concurrency;
    private bool _tickHadLastTurn;

    public async Task EnterAsync(bool dragTick, CancellationToken cancellationToken)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            // A free place means nobody waits (a release hands its place to a waiter first).
            if (_free > 0)
            {
                _free--;
                _tickHadLastTurn = dragTick;
                return;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (dragTick ? _ticks : _calls).Enqueue(waiter);
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
                var tick = _ticks.Count > 0 && (_calls.Count == 0 || !_tickHadLastTurn);
                var queue = tick ? _ticks : _calls;
                if (queue.Count == 0)
                {
                    _free++;
                    return;
                }
                if (queue.Dequeue().TrySetResult())
                {
                    _tickHadLastTurn = tick;
                    return;
                }
            }
        }
    }
}
