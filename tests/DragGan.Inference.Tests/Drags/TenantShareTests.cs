using DragGan.Contracts;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.Inference.Tests.Drags;

/// <summary>
/// The drag loop takes turns by tenant, as the session service names it in the call's metadata
/// (<see cref="TenantMetadata"/>): one step a tick, a tenant with four streams and a tenant with
/// one step equally often, instead of four to one.
/// </summary>
public sealed class TenantShareTests
{
    private const string Model = FixtureModelServer.ModelName;

    [Fact]
    public async Task ATenantsManyStreams_TakeOneTenantsShareOfTheSteps()
    {
        await using var server = await CustomFixtureServer.StartAsync(("Inference:AdaptiveBatchSize", "false"), ("Inference:MaxBatchSize", "1"));
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        var start = DragRequests.Start(Model, latent, new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 }, DragRequests.Pair(100, 128, 130, 128));
        start.FrameOptions = new FrameOptions();
        using var stop = new CancellationTokenSource();
        var tenants = new[] { "working", "hostile", "hostile", "hostile", "hostile" };
        var steps = new long[tenants.Length];
        var calls = tenants.Select(tenant => server.Client.Drag(new Metadata { { TenantMetadata.Header, tenant } }, cancellationToken: stop.Token)).ToList();
        var readers = new List<Task>();
        for (var i = 0; i < calls.Count; i++)
        {
            await calls[i].RequestStream.WriteAsync(new DragRequest { Start = start });
            var index = i;
            readers.Add(Task.Run(async () =>
            {
                try
                {
                    await foreach (var frame in calls[index].ResponseStream.ReadAllAsync(stop.Token))
                        Interlocked.Exchange(ref steps[index], frame.Step);
                }
                catch (RpcException) when (stop.IsCancellationRequested)
                {
                }
                catch (OperationCanceledException)
                {
                }
            }));
        }

        await WaitAsync(() => steps.All(s => s >= 2));
        // Counted while paused, when every reader has caught up, so that a reader's lag counts nothing.
        var before = await PausedStepsAsync(calls, steps);
        foreach (var call in calls)
            await call.RequestStream.WriteAsync(new DragRequest { Unpause = new DragUnpause() });
        await WaitAsync(() => Interlocked.Read(ref steps[0]) >= before[0] + 20);
        var after = await PausedStepsAsync(calls, steps);
        await stop.CancelAsync();
        await Task.WhenAll(readers);
        foreach (var call in calls)
            call.Dispose();

        var workingSteps = after[0] - before[0];
        var hostileSteps = after.Skip(1).Sum() - before.Skip(1).Sum();
        // Equal shares: about as many hostile steps as working ones (one share per stream would be four times as many).
        Assert.InRange(hostileSteps, workingSteps - workingSteps / 4 - 4, workingSteps + workingSteps / 4 + 4);
    }

    private static async Task<long[]> PausedStepsAsync(List<AsyncDuplexStreamingCall<DragRequest, DragFrame>> calls, long[] steps)
    {
        foreach (var call in calls)
            await call.RequestStream.WriteAsync(new DragRequest { Pause = new DragPause() });
        var last = steps.Select((_, i) => Interlocked.Read(ref steps[i])).ToArray();
        var unchangedSince = DateTime.UtcNow;
        while (DateTime.UtcNow - unchangedSince < TimeSpan.FromSeconds(1))
        {
            await Task.Delay(50);
            var now = steps.Select((_, i) => Interlocked.Read(ref steps[i])).ToArray();
            if (!now.SequenceEqual(last))
                (last, unchangedSince) = (now, DateTime.UtcNow);
        }
        return last;
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The drags did not progress in time.");
            await Task.Delay(10);
        }
    }
}
