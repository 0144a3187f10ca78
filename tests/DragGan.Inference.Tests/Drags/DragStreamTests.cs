using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Xunit.Abstractions;

namespace DragGan.Inference.Tests.Drags;

/// <summary>Drag over real gRPC on the fixture checkpoint: frames, convergence, updates, pause, stop.</summary>
public sealed class DragStreamTests(FixtureModelServer server, ITestOutputHelper output) : IClassFixture<FixtureModelServer>
{
    private const string Model = FixtureModelServer.ModelName;

    [Fact]
    public async Task Drag_ConvergesStreamingFramesAndEndsTheDragWithImageAndState()
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        using var drag = await DragSession.StartAsync(server.Client, DragRequests.Start(Model, latent,
            new DragParameters { MaxSteps = 200 }, DragRequests.Pair(100, 128, 106, 128)));

        var frames = await drag.ReadUntilAsync(f => f.Converged || f.StepLimitReached);
        foreach (var f in frames)
            output.WriteLine($"step {f.Step}: handle ({f.Handles[0].X}, {f.Handles[0].Y}) distance {f.Distances[0]:0.00} loss {f.Loss:0.0000}");

        // Frames may be dropped for a slow reader (newest wins, even the first ones on a busy
        // machine), never reordered; DragResumeTests checks every step with queues that never drop.
        Assert.InRange(frames[0].Step, 1u, frames[^1].Step);
        Assert.True(frames.Zip(frames.Skip(1)).All(p => p.Second.Step > p.First.Step), "steps increase");
        var last = frames[^1];
        Assert.True(last.Converged, "the drag should converge");
        Assert.True(last.Distances[0] <= 2);
        Assert.Equal(0, last.Loss);
        Assert.All(frames.SkipLast(1), f => Assert.True(f.Loss > 0));
        Assert.All(frames, f => Assert.Equal(32u, f.Image.Width));
        Assert.NotNull(last.State);
        Assert.Equal(last.Step, last.State.Step);
        Assert.Equal(last.State.Latent, last.Latent);
        Assert.All(frames.SkipLast(1), f => Assert.Null(f.State));

        await drag.CompleteAsync();
        var final = await drag.NextAsync();
        Assert.NotNull(final);
        Assert.True(final.Final);
        Assert.Equal(last.Step, final.Step);
        Assert.NotNull(final.Image);
        Assert.Equal(last.State.Latent.Values, final.State.Latent.Values);
        Assert.Null(await drag.NextAsync());
    }

    [Fact]
    public async Task Updates_MidStream_MoveTargetsAddPointsAndChangeFrameOptions()
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        using var drag = await DragSession.StartAsync(server.Client, DragRequests.Start(Model, latent,
            new DragParameters { MaxSteps = 1000, StopDistance = 0.5 }, DragRequests.Pair(100, 128, 130, 128)));
        var beforeUpdate = (await drag.ReadUntilAsync(f => f.Step >= 2))[^1];

        var update = new DragUpdate
        {
            FrameOptions = new FrameOptions { Image = new ImageOptions { Size = 16 }, EveryKSteps = 1, LatentEveryKSteps = 1 },
            Parameters = new DragParameters { LearningRate = 0.002 },
        };
        update.PointEdits.Add(new PointEdit { Move = new PointMove { Index = 0, Target = new Point { X = 90, Y = 140 } } });
        update.PointEdits.Add(new PointEdit { Add = DragRequests.Pair(60, 60, 70, 60) });
        await drag.UpdateAsync(update);

        var frames = await drag.ReadUntilAsync(f => f.Targets.Count == 2);
        var changed = frames[^1];
        // Frames before the update report none applied, those after it one (a caller replays by this count).
        Assert.All(frames.SkipLast(1), f => Assert.Equal(0ul, f.CommandsApplied));
        Assert.Equal(1ul, changed.CommandsApplied);
        Assert.Equal(new Point { X = 90, Y = 140 }, changed.Targets[0]);
        Assert.Equal(new Point { X = 70, Y = 60 }, changed.Targets[1]);
        // The new handle has been tracked once per step since the update applied, each time within the
        // tracking radius (6 px at 256 px); frames may be dropped, so that is at most every step since
        // the last frame that reported the update not yet applied.
        var lastUnchanged = frames.LastOrDefault(f => f.CommandsApplied == 0) ?? beforeUpdate;
        var reach = 6 * (int)(changed.Step - lastUnchanged.Step);
        output.WriteLine($"update applied after step {lastUnchanged.Step}..{changed.Step - 1}; new handle at ({changed.Handles[1].X}, {changed.Handles[1].Y})");
        Assert.InRange(changed.Handles[1].X, 60 - reach, 60 + reach);
        Assert.InRange(changed.Handles[1].Y, 60 - reach, 60 + reach);
        Assert.Equal(new Point { X = 60, Y = 60 }, changed.State.Handles[1].Origin);
        Assert.Equal(16u, changed.Image.Width);
        Assert.Equal(0.002, changed.State.Parameters.LearningRate);
        Assert.Equal(2, changed.State.Handles.Count);

        var remove = new DragUpdate();
        remove.PointEdits.Add(new PointEdit { Remove = 0 });
        await drag.UpdateAsync(remove);
        var afterRemove = (await drag.ReadUntilAsync(f => f.Targets.Count == 1))[^1];
        Assert.Equal(new Point { X = 70, Y = 60 }, afterRemove.Targets[0]);
        Assert.Equal(2ul, afterRemove.CommandsApplied);
    }

    [Fact]
    public async Task Pause_AcknowledgesWithStateAndStopsStepping_UnpauseContinues()
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        using var drag = await DragSession.StartAsync(server.Client, DragRequests.Start(Model, latent,
            new DragParameters { MaxSteps = 1000, StopDistance = 0.5 }, DragRequests.Pair(100, 128, 130, 128)));
        await drag.ReadUntilAsync(f => f.Step >= 1);

        await drag.SendAsync(new DragRequest { Pause = new DragPause() });
        var paused = (await drag.ReadUntilAsync(f => f.Paused))[^1];
        Assert.NotNull(paused.State);
        Assert.Equal(paused.Step, paused.State.Step);
        Assert.Equal(1ul, paused.CommandsApplied); // the pause's own acknowledgement counts it

        // Nothing steps while paused.
        using (var steps = new InstrumentRecorder<long>(server, "draggan_inference_steps"))
        {
            await Task.Delay(500);
            Assert.Empty(steps.Values);
        }
        await drag.SendAsync(new DragRequest { Unpause = new DragUnpause() });
        var resumed = await drag.NextAsync();
        Assert.NotNull(resumed);
        Assert.True(resumed.Step > paused.Step);
        Assert.False(resumed.Paused);

        await drag.SendAsync(new DragRequest { Stop = new DragStop() });
        var final = (await drag.ReadUntilAsync(f => f.Final))[^1];
        Assert.True(final.Final);
        Assert.Null(await drag.NextAsync());
    }

    [Fact]
    public async Task StepLimit_EndsTheDragWithStateAndAnImage_ARaisedLimitStepsOn()
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        var start = DragRequests.Start(Model, latent, new DragParameters { MaxSteps = 3, StopDistance = 0.5 }, DragRequests.Pair(100, 128, 130, 128));
        start.FrameOptions.EveryKSteps = 100;
        using var drag = await DragSession.StartAsync(server.Client, start);

        var limit = (await drag.ReadUntilAsync(f => f.StepLimitReached))[^1];
        Assert.Equal(3u, limit.Step);
        Assert.False(limit.Converged);
        Assert.NotNull(limit.Image);
        Assert.NotNull(limit.State);

        await drag.UpdateAsync(new DragUpdate { Parameters = new DragParameters { MaxSteps = 5 } });
        var more = (await drag.ReadUntilAsync(f => f.StepLimitReached))[^1];
        Assert.Equal(5u, more.Step);
        Assert.NotNull(more.Image);
        Assert.Equal(5u, more.State.Step);
    }
}
