using DragGan.Inference.Drags;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Inference.Tests.Drags;

/// <summary>A client that sends commands faster than the loop applies them fills the transport, not the replica.</summary>
public sealed class CommandQueueTests(FixtureModelServer server) : IClassFixture<FixtureModelServer>
{
    private const string Model = FixtureModelServer.ModelName;

    [Fact]
    public async Task AFloodOfCommands_WaitsOutsideTheReplica_AndEveryOneIsApplied()
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        using var depth = new InstrumentRecorder<int>(server, "draggan_inference_command_queue_depth");
        using var drag = await DragSession.StartAsync(server.Client,
            DragRequests.Start(Model, latent, new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 }, DragRequests.Pair(100, 128, 130, 128)));
        await drag.SendAsync(new DragRequest { Pause = new DragPause() });
        await drag.ReadUntilAsync(f => f.Paused);

        // The model's gate held: the loop cannot apply a single command meanwhile.
        var gates = server.Services.GetRequiredService<ModelGates>();
        using var release = new ManualResetEventSlim();
        var holding = new TaskCompletionSource();
        var held = gates.RunAsync(Model, () =>
        {
            holding.SetResult();
            release.Wait();
            return 0;
        }, CancellationToken.None);
        await holding.Task;

        const int Sent = 200;
        for (var i = 0; i < Sent; i++)
            await drag.SendAsync(i % 2 == 0 ? new DragRequest { Unpause = new DragUnpause() } : new DragRequest { Pause = new DragPause() });
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (depth.Observe() < DragStream.MaxPendingCommands && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        // Time for a reader that would go on reading to do so.
        await Task.Delay(500);
        depth.Observe();

        release.Set();
        await held;
        await drag.CompleteAsync();
        var frames = await drag.ReadUntilAsync(f => f.Final, maxFrames: 10_000);

        Assert.Equal(DragStream.MaxPendingCommands, depth.Values.Max());
        // The first pause, the 200 commands and the half-close's stop: none lost.
        Assert.True(frames[^1].Final);
        Assert.Equal(1ul + Sent + 1, frames[^1].CommandsApplied);
        Assert.True(frames[^1].Paused);
        Assert.Equal(0, depth.Observe());
    }
}
