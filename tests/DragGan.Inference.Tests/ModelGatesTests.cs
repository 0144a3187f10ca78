using Microsoft.Extensions.Options;

namespace DragGan.Inference.Tests;

/// <summary>The per-model gate that generator work runs under.</summary>
public sealed class ModelGatesTests
{
    [Fact]
    public async Task WorkOnOneModel_NeverOverlaps()
    {
        using var gates = new ModelGates(Options.Create(new InferenceOptions()));
        var active = 0;
        var most = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => gates.RunAsync("m", () =>
        {
            var now = Interlocked.Increment(ref active);
            InterlockedMax(ref most, now);
            Thread.Sleep(2);
            Interlocked.Decrement(ref active);
            return i;
        }, CancellationToken.None)));

        Assert.Equal(1, most);
    }

    [Fact]
    public async Task AWaiterCancelledWhileQueued_LeavesTheGateUsable()
    {
        using var gates = new ModelGates(Options.Create(new InferenceOptions()));
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource();
        var holder = gates.RunAsync("m", () =>
        {
            started.SetResult();
            release.Wait();
            return 1;
        }, CancellationToken.None);
        await started.Task;

        using var cancel = new CancellationTokenSource();
        var ran = false;
        var queued = gates.RunAsync("M", () => ran = true, cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);

        release.Set();
        Assert.Equal(1, await holder);
        Assert.Equal(2, await gates.RunAsync("m", () => 2, CancellationToken.None));
        Assert.False(ran);
    }

    [Fact]
    public async Task DifferentModels_HaveTheirOwnGates()
    {
        using var gates = new ModelGates(Options.Create(new InferenceOptions()));
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource();
        var holder = gates.RunAsync("a", () =>
        {
            started.SetResult();
            release.Wait();
            return 1;
        }, CancellationToken.None);
        await started.Task;

        // Completes while model "a" is still busy.
        Assert.Equal(2, await gates.RunAsync("b", () => 2, CancellationToken.None));

        release.Set();
        Assert.Equal(1, await holder);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
