using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.Inference.Tests.Drags;

/// <summary>
/// One failing edit ends only its own stream: the loop ends the edit whose step diverged, with its
/// last finite state, and steps the others of its batch again without it.
/// </summary>
public sealed class DragIsolationTests
{
    private const string Model = FixtureModelServer.ModelName;

    [Fact]
    public async Task DivergingEdit_EndsAlone_WithItsLastFiniteState_WhileItsBatchmateGoesOn()
    {
        // Without the learnt batch size every ready edit is stepped in one batch.
        await using var server = await CustomFixtureServer.StartAsync(("Inference:AdaptiveBatchSize", "false"), ("Inference:MaxBatchSize", "8"));
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        var longDrag = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 };
        using var healthy = await DragSession.StartAsync(server.Client, DragRequests.Start(Model, latent, longDrag, DragRequests.Pair(100, 128, 130, 128)));
        await healthy.ReadUntilAsync(f => f.Step >= 1);

        // A finite latent near float32's largest value: its forward overflows, so its loss is not finite.
        var overflowing = new Latent { Rows = latent.Rows, WDim = latent.WDim };
        overflowing.Values.AddRange(Enumerable.Repeat(3e38f, latent.Values.Count));
        using var diverging = await DragSession.StartAsync(server.Client, DragRequests.Start(Model, overflowing, longDrag, DragRequests.Pair(100, 128, 130, 128)));
        var frames = new List<DragFrame>();
        var error = await diverging.ReadUntilErrorAsync(frames);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("diverged at step 1", error.Status.Detail);
        var last = Assert.Single(frames);
        Assert.Equal(0u, last.Step);
        Assert.Equal(overflowing.Values, last.State.Latent.Values);

        var before = (await healthy.ReadUntilAsync(_ => true))[^1].Step;
        var after = await healthy.ReadUntilAsync(f => f.Step >= before + 5);
        Assert.True(after[^1].Step >= before + 5, $"the healthy edit stopped at step {after[^1].Step}");
        Assert.All(after, f => Assert.True(double.IsFinite(f.Loss)));

        await healthy.SendAsync(new DragRequest { Stop = new DragStop() });
        var final = (await healthy.ReadUntilAsync(f => f.Final))[^1];
        Assert.True(final.Final);
        Assert.All(final.State.Latent.Values, v => Assert.True(float.IsFinite(v)));
    }
}
