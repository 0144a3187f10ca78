using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;

namespace DragGan.Inference.Tests.Drag;

/// <summary>A drag continues on another replica from the state a frame carried.</summary>
public sealed class DragResumeTests(FixtureModelServer server) : IClassFixture<FixtureModelServer>
{
    private const string Model = FixtureModelServer.ModelName;

    [Fact]
    public async Task Resume_OnAFreshServer_ContinuesTheEditExactlyWhereTheStateLeftIt()
    {
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

        await using var fresh = await CustomFixtureServer.StartAsync();
        using var resumed = DragSession.Open(fresh.Client);
        await resumed.SendAsync(new DragRequest
        {
            Resume = new DragResume { State = checkpoint.State, FrameOptions = new FrameOptions { EveryKSteps = 1000, LatentEveryKSteps = 1 } },
        });
        var replayed = await resumed.ReadUntilAsync(f => f.Step >= checkpoint.Step + 4);

        Assert.True(replayed[0].Step > checkpoint.Step);
        foreach (var frame in replayed)
        {
            var reference = continued.SingleOrDefault(f => f.Step == frame.Step);
            if (reference is null)
                continue; // dropped on the original stream
            Assert.Equal(reference.Handles, frame.Handles);
            var drift = reference.Latent.Values.Zip(frame.Latent.Values).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(drift < 1e-4, $"step {frame.Step}: latents differ by {drift}");
        }
        Assert.Contains(replayed, f => continued.Any(c => c.Step == f.Step));
    }
}
