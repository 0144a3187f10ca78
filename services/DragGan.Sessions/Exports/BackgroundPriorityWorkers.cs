using System.Collections.Concurrent;

namespace DragGan.Sessions.Exports;

/// <summary>
/// A few dedicated threads at a raised niceness (<see cref="ThreadNiceness"/>) that run
/// synchronous batch work (decoding and encoding animations, starting ffmpeg), so that it takes the
/// CPU interactive work leaves: drags and other calls here, and an inference service on the same cores.
/// </summary>
/// <remarks>
/// A thread or process created from one of these threads inherits its niceness. Work here is
/// therefore synchronous: async continuations could make the thread pool (or the runtime's wait
/// thread) start a thread from here, which would then run interactive work at this niceness. For
/// the same reason the callers are resumed from a thread of their own priority, not from these.
/// </remarks>
public sealed class BackgroundPriorityWorkers : IDisposable
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly BlockingCollection<Action> _completions = [];
    private readonly Thread[] _workers;
    private readonly Thread _completer;
    private readonly ILogger _logger;

    /// <param name="threadCount">Threads, each running one piece of work at a time.</param>
    /// <param name="niceness">Their Linux niceness, 0..19 (ignored elsewhere).</param>
    /// <param name="name">The threads' name, numbered (Linux shows 15 characters).</param>
    public BackgroundPriorityWorkers(int threadCount, int niceness, string name, ILogger<BackgroundPriorityWorkers> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threadCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(niceness);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(niceness, 19);
        Niceness = niceness;
        _logger = logger;
        // Started before the workers and from the constructing thread, so at its priority.
        _completer = new Thread(Complete) { Name = $"{name} done", IsBackground = true };
        _completer.Start();
        _workers = [.. Enumerable.Range(1, threadCount).Select(i => new Thread(Work) { Name = $"{name} {i}", IsBackground = true })];
        foreach (var worker in _workers)
            worker.Start();
    }

    public int Niceness { get; }

    /// <summary>
    /// Runs <paramref name="work"/> on one of the threads. Cancellation is seen before it starts
    /// (then it does not run), never during it.
    /// </summary>
    public Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
            return Task.FromCanceled<T>(cancellationToken);
        // The caller continues on the thread pool, queued from the completer's thread.
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            Action complete;
            if (cancellationToken.IsCancellationRequested)
                complete = () => done.TrySetCanceled(cancellationToken);
            else
            {
                try
                {
                    var result = work();
                    complete = () => done.TrySetResult(result);
                }
                catch (Exception e)
                {
                    complete = () => done.TrySetException(e);
                }
            }
            _completions.Add(complete);
        });
        return done.Task;
    }

    /// <summary>Lets the work already given finish, then ends the threads.</summary>
    public void Dispose()
    {
        _work.CompleteAdding();
        foreach (var worker in _workers)
            worker.Join();
        _completions.CompleteAdding();
        _completer.Join();
        _work.Dispose();
        _completions.Dispose();
    }

    private void Work()
    {
        if (ThreadNiceness.TrySetCurrent(Niceness) is { } problem)
            _logger.LogWarning("{Thread} runs at the process's niceness, not {Niceness}: {Problem}", Thread.CurrentThread.Name, Niceness, problem);
        foreach (var work in _work.GetConsumingEnumerable())
            work();
    }

    private void Complete()
    {
        foreach (var complete in _completions.GetConsumingEnumerable())
            complete();
    }
}
