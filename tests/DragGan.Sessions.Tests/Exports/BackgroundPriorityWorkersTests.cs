using System.Runtime.Versioning;
using DragGan.Sessions.Exports;
using DragGan.Sessions.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace DragGan.Sessions.Tests.Exports;

/// <summary>
/// The background-priority threads, as Linux reports them in /proc: work runs at their niceness,
/// callers resume at their own, no other thread is created at it, and disposing ends them.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class BackgroundPriorityWorkersTests
{
    // Above the 10 tests here may run at (raising niceness needs no privilege) and unlike the
    // export tests' 15, which may run beside these.
    private const int Niceness = 17;

    [Fact]
    public async Task Work_RunsAtTheirNiceness_AndTheCallerResumesAtItsOwn()
    {
        using var workers = new BackgroundPriorityWorkers(2, Niceness, "Test", NullLogger<BackgroundPriorityWorkers>.Instance);
        var callerNiceness = LinuxThreads.CurrentNiceness();

        var seen = await workers.RunAsync(() => (LinuxThreads.CurrentNiceness(), Thread.CurrentThread.Name), CancellationToken.None);
        var resumedAt = LinuxThreads.CurrentNiceness();
        // Resuming the caller may start a thread (a thread pool's, xunit's): it must not inherit the niceness.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => workers.RunAsync(() => 0, CancellationToken.None)));

        Assert.NotEqual(Niceness, callerNiceness);
        Assert.Equal(Niceness, seen.Item1);
        Assert.StartsWith("Test ", seen.Name);
        Assert.Equal(callerNiceness, resumedAt);
        Assert.Equal(2, LinuxThreads.All().Count(t => t.Niceness == Niceness));
    }

    [Fact]
    public async Task AFailure_ReachesTheCaller_AndCancelledWorkDoesNotRun()
    {
        using var workers = new BackgroundPriorityWorkers(1, Niceness, "Test", NullLogger<BackgroundPriorityWorkers>.Instance);
        var ran = false;

        var failure = await Assert.ThrowsAsync<InvalidDataException>(() => workers.RunAsync<int>(() => throw new InvalidDataException("bad frame"), CancellationToken.None));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => workers.RunAsync(() => ran = true, new CancellationToken(canceled: true)));

        Assert.Equal("bad frame", failure.Message);
        Assert.False(ran);
    }

    [Fact]
    public async Task Dispose_LetsRunningWorkFinish_AndEndsTheThreads()
    {
        var workers = new BackgroundPriorityWorkers(2, Niceness, "Test", NullLogger<BackgroundPriorityWorkers>.Instance);
        // Both threads at once, so that each one's id is seen.
        using var bothRunning = new Barrier(2);
        var threadIds = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => workers.RunAsync(() =>
        {
            bothRunning.SignalAndWait(TimeSpan.FromSeconds(30));
            return LinuxThreads.CurrentThreadId();
        }, CancellationToken.None)));
        using var release = new ManualResetEventSlim();
        var running = workers.RunAsync(() => release.Wait(TimeSpan.FromSeconds(30)), CancellationToken.None);

        var disposing = Task.Run(workers.Dispose);
        await Task.Delay(100);
        var disposedWhileWorkRan = disposing.IsCompleted;
        release.Set();
        await disposing;

        Assert.Equal(2, threadIds.Distinct().Count());
        Assert.False(disposedWhileWorkRan);
        Assert.True(await running);
        // Join returns as the managed thread ends; the OS thread is gone a moment later.
        for (var wait = 0; wait < 1000 && threadIds.Any(LinuxThreads.Exists); wait++)
            await Task.Delay(10);
        Assert.All(threadIds, id => Assert.False(LinuxThreads.Exists(id)));
    }
}
