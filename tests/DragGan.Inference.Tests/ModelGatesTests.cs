using Microsoft.Extensions.Options;

namespace DragGan.Inference.Tests;

/// <summary>The per-model gate that generator work runs under.</summary>
public sealed class ModelGatesTests
{
    [Fact]
    public async Task WorkOnOneModel_NeverOverlaps()
    {
        var gates = new ModelGates(Options.Create(new InferenceOptions()));
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
        var gates = new ModelGates(Options.Create(new InferenceOptions()));
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
        var gates = new ModelGates(Options.Create(new InferenceOptions()));
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

    [Fact]
    public async Task AQueuedDragTick_GoesBeforeTheCallsQueuedAheadOfIt()
    {
        var gates = new ModelGates(Options.Create(new InferenceOptions()));
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource();
        var holder = gates.RunAsync("m", () =>
        {
            started.SetResult();
            release.Wait();
            return -1;
        }, CancellationToken.None);
        await started.Task;

        // A tenant's burst of generations queues first; the drag loop, serving every tenant's drags, after it.
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var calls = Enumerable.Range(0, 6).Select(i => gates.RunAsync("m", () =>
        {
            order.Enqueue($"call {i}");
            return i;
        }, CancellationToken.None)).ToList();
        var tick = gates.RunDragTickAsync("m", () =>
        {
            order.Enqueue("tick");
            return 6;
        }, CancellationToken.None);
        release.Set();
        await Task.WhenAll([holder, tick, .. calls]);

        // The holder was a call: the tick takes the next turn, then the calls in their order.
        Assert.Equal(["tick", "call 0", "call 1", "call 2", "call 3", "call 4", "call 5"], order.ToArray());
    }

    [Fact]
    public async Task CallsAndDragTicks_TakeTurnsWhileBothWait()
    {
        var gates = new ModelGates(Options.Create(new InferenceOptions()));
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var callsQueued = new ManualResetEventSlim();
        var firstTick = new TaskCompletionSource();
        using var stopTicking = new CancellationTokenSource();
        var ticking = Task.Run(async () =>
        {
            // A drag loop with work every tick: it asks for the gate again as soon as it leaves it.
            while (!stopTicking.IsCancellationRequested)
            {
                await gates.RunDragTickAsync("m", () =>
                {
                    firstTick.TrySetResult();
                    callsQueued.Wait();
                    order.Enqueue("tick");
                    return 0;
                }, CancellationToken.None);
            }
        });
        await firstTick.Task;
        var calls = Enumerable.Range(0, 5).Select(i => gates.RunAsync("m", () =>
        {
            order.Enqueue("call");
            // Long enough for the loop to be waiting again when the call leaves the gate.
            Thread.Sleep(20);
            return i;
        }, CancellationToken.None)).ToList();
        callsQueued.Set();
        await Task.WhenAll(calls);
        await stopTicking.CancelAsync();
        await ticking;

        // While both wait, neither kind runs twice in a row: tick, call, tick, call, ...
        var turns = order.ToArray();
        Assert.Equal(["tick", "call", "tick", "call", "tick", "call", "tick", "call", "tick", "call"], turns.Take(10));
    }

    [Fact]
    public async Task AnotherTenantsCall_GoesBeforeTheCallsOfATenantWithManyQueued()
    {
        var gates = new ModelGates(Options.Create(new InferenceOptions()));
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource();
        var holder = gates.RunAsync("m", "busy", () =>
        {
            started.SetResult();
            release.Wait();
            return -1;
        }, CancellationToken.None);
        await started.Task;

        // One tenant's burst of generations, then another tenant's one call (its drag's opening, say).
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var burst = Enumerable.Range(0, 4).Select(i => gates.RunAsync("m", "busy", () =>
        {
            order.Enqueue($"busy {i}");
            return i;
        }, CancellationToken.None)).ToList();
        var other = gates.RunAsync("m", "other", () =>
        {
            order.Enqueue("other");
            return 4;
        }, CancellationToken.None);
        var moreOfBurst = gates.RunAsync("m", "busy", () =>
        {
            order.Enqueue("busy 4");
            return 5;
        }, CancellationToken.None);
        release.Set();
        await Task.WhenAll([holder, other, moreOfBurst, .. burst]);

        // The holder was the busy tenant's: the other tenant's call takes the next turn.
        Assert.Equal(["other", "busy 0", "busy 1", "busy 2", "busy 3", "busy 4"], order.ToArray());
    }

    [Fact]
    public async Task TenantsCalls_TakeTurnsWhileSeveralWait()
    {
        var gates = new ModelGates(Options.Create(new InferenceOptions()));
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource();
        var holder = gates.RunAsync("m", "c", () =>
        {
            started.SetResult();
            release.Wait();
            return -1;
        }, CancellationToken.None);
        await started.Task;

        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var calls = new List<Task<int>>();
        foreach (var tenant in new[] { "a", "a", "a", "b", "b", "c" })
        {
            calls.Add(gates.RunAsync("m", tenant, () =>
            {
                order.Enqueue(tenant);
                return 0;
            }, CancellationToken.None));
        }
        // The holder's long turn sets the mean: the queued calls, next to nothing beside it, count alike.
        await Task.Delay(200);
        release.Set();
        await Task.WhenAll([holder, .. calls]);

        // Round-robin over the tenants in the order they came; c, whose call held the model all
        // along, only once the others' quick calls have caught up with its time.
        Assert.Equal(["a", "b", "a", "b", "a", "c"], order.ToArray());
    }

    [Fact]
    public async Task ATenantWithADragAlone_GetsHalfTheTurns_BesideOneWithADragAndCallsQueued()
    {
        var gates = new ModelGates(Options.Create(new InferenceOptions()));
        var turns = new DragGan.Inference.Drags.TenantTurns(gates.PassesOf("m"));
        string[] ready = ["steady", "busy"];
        var served = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();

        // The drag loop: a tick whenever it may, stepping one drag chosen by the shared turns.
        var loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await gates.RunDragTickAsync("m", () => ready, () =>
                {
                    foreach (var tenant in turns.Choose(ready, t => t, size: 1))
                        served.Enqueue(tenant);
                    Thread.Sleep(1);
                    return 0;
                }, CancellationToken.None);
            }
        });
        // The busy tenant keeps eight calls queued (sessions created at its generations limit).
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await gates.RunAsync("m", "busy", () =>
                {
                    served.Enqueue("busy");
                    // Long enough for the loop to be waiting again when the call leaves the gate.
                    Thread.Sleep(3);
                    return 0;
                }, CancellationToken.None);
            }
        })).ToList();
        while (served.Count < 200)
            await Task.Delay(10);
        await stop.CancelAsync();
        await Task.WhenAll([loop, .. callers]);

        // Its steps and its calls come out of the busy tenant's one share: the steady tenant's
        // drag gets about half of the model's turns (a quarter if a step and a call took turns).
        var steady = served.Take(200).Count(t => t == "steady");
        Assert.InRange(steady, 80, 110);
    }

    [Fact]
    public async Task ATenantWhoseCallsHoldTheModelLonger_GetsFewerTurns_AndAboutHalfTheTime()
    {
        var gates = new ModelGates(Options.Create(new InferenceOptions()));
        var served = new System.Collections.Concurrent.ConcurrentQueue<(string Tenant, TimeSpan Held)>();
        using var stop = new CancellationTokenSource();

        // Four callers each keep a call queued: the slow tenant's calls take ten times as long.
        Task Caller(string tenant, int sleepMs) => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await gates.RunAsync("m", tenant, () =>
                {
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    Thread.Sleep(sleepMs);
                    served.Enqueue((tenant, clock.Elapsed));
                    return 0;
                }, CancellationToken.None);
            }
        });
        var callers = Enumerable.Range(0, 4).SelectMany(_ => new[] { Caller("slow", 20), Caller("quick", 2) }).ToList();
        while (served.Count < 500)
            await Task.Delay(10);
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        // Turns counted alike would give the slow tenant about 10/11 of the time; charged by the
        // time they took, about half of it (the first turns, before the mean is learnt, aside).
        var calls = served.Skip(100).Take(400).ToList();
        double TimeOf(string tenant) => calls.Where(c => c.Tenant == tenant).Sum(c => c.Held.TotalSeconds);
        var slowShare = TimeOf("slow") / (TimeOf("slow") + TimeOf("quick"));
        Assert.InRange(slowShare, 0.35, 0.65);
        Assert.True(calls.Count(c => c.Tenant == "quick") > 2 * calls.Count(c => c.Tenant == "slow"));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
