using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;

namespace DragGan.Inference.Tests.Drags;

/// <summary>A drag continues on another replica from the state a frame carried.</summary>
public sealed class DragResumeTests
{
    private const string Model = FixtureModelServer.ModelName;

    // Queues long enough that no frame is dropped, so that every step can be compared.
    private static readonly (string, string) NoDrops = ("Inference:FrameQueueCapacity", "1000");

    [Fact]
    public async Task Resume_OnAFreshServer_ContinuesTheEditExactlyWhereTheStateLeftIt()
    {
        await using var server = await CustomFixtureServer.StartAsync(NoDrops);
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        var start = DragRequests.Start(Model, latent, new DragParameters { MaxSteps = 1000, StopDistance = 0.5 }, DragRequests.Pair(100, 128, 130, 128));
        start.FrameOptions.LatentEveryKSteps = 1;
        start.FrameOptions.EveryKSteps = 1000;
        // A pause after a few steps fixes the point to compare from, whatever frames a slow reader missed.
        using var original = await DragSession.StartAsync(server.Client, start);
        await original.ReadUntilAsync(f => f.Step >= 4);
        await original.SendAsync(new DragRequest { Pause = new DragPause() });
        var checkpoint = (await original.ReadUntilAsync(f => f.Paused))[^1];
        await original.SendAsync(new DragRequest { Unpause = new DragUnpause() });
        var continued = await original.ReadUntilAsync(f => f.Step >= checkpoint.Step + 4);

        await using var fresh = await CustomFixtureServer.StartAsync(NoDrops);
        using var resumed = DragSession.Open(fresh.Client);
        await resumed.SendAsync(new DragRequest
        {
            Resume = new DragResume { State = checkpoint.State, FrameOptions = new FrameOptions { EveryKSteps = 1000, LatentEveryKSteps = 1 } },
        });
        var replayed = await resumed.ReadUntilAsync(f => f.Step >= checkpoint.Step + 4);

        Assert.Equal(Enumerable.Range((int)checkpoint.Step + 1, 4).Select(i => (uint)i), replayed.Select(f => f.Step));
        Assert.Equal(replayed.Select(f => f.Step), continued.SkipWhile(f => f.Step <= checkpoint.Step).Select(f => f.Step));
        foreach (var (reference, frame) in continued.SkipWhile(f => f.Step <= checkpoint.Step).Zip(replayed))
        {
            Assert.Equal(reference.Handles, frame.Handles);
            var drift = reference.Latent.Values.Zip(frame.Latent.Values).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(drift < 1e-4, $"step {frame.Step}: latents differ by {drift}");
        }
    }
}
