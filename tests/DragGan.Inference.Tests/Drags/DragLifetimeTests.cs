using DragGan.Hosting;
using DragGan.Inference.Drags;
using DragGan.Inference.Streaming;
using DragGan.Inference.Tests.Support;
using DragGan.Protos.V1;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Inference.Tests.Drags;

/// <summary>How Drag streams end: cancellation, deadlines, capacity, slow readers, and the replica's shutdown.</summary>
public sealed class DragLifetimeTests(FixtureModelServer server) : IClassFixture<FixtureModelServer>
{
    private const string Model = FixtureModelServer.ModelName;

    private static DragStart EndlessDrag(Latent latent) =>
        DragRequests.Start(Model, latent, new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 }, DragRequests.Pair(100, 128, 130, 128));

    [Fact]
    public async Task Cancel_StopsTheEditWithinAStep()
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        using var steps = new InstrumentRecorder<long>(server, "draggan_inference_steps");
        using var cancel = new CancellationTokenSource();
        using var drag = DragSession.Open(server.Client, cancellationToken: cancel.Token);
        await drag.SendAsync(new DragRequest { Start = EndlessDrag(latent) });
        await drag.ReadUntilAsync(f => f.Step >= 2);

        await cancel.CancelAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => drag.NextAsync());
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);

        await WaitForNoStreamsAsync(server);
        var taken = steps.Values.Count;
        await Task.Delay(300);
        Assert.Equal(taken, steps.Values.Count);
    }

    [Fact]
    public async Task Deadline_EndsTheCallAndTheEdit()
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        // Long enough for a busy machine to take the first steps before the deadline ends the edit.
        using var drag = DragSession.Open(server.Client, deadline: DateTime.UtcNow.AddSeconds(5));
        await drag.SendAsync(new DragRequest { Start = EndlessDrag(latent) });

        var frames = new List<DragFrame>();
        var error = await drag.ReadUntilErrorAsync(frames);

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.NotEmpty(frames);
        await WaitForNoStreamsAsync(server);
    }

    [Fact]
    public async Task SlowReader_LosesOldFramesButNeverStallsAnotherStream()
    {
        var latent = await DragRequests.SeedLatentAsync(server.Client, Model);
        using var dropped = new InstrumentRecorder<long>(server, "draggan_inference_frames_dropped");
        // Full-size raw frames fill the transport's buffers quickly, so the server's queue is what fills.
        var start = EndlessDrag(latent);
        start.FrameOptions.Image = new ImageOptions { Encoding = ImageEncoding.RawRgb };
        using var slow = await DragSession.StartAsync(server.Client, start);
        using var fast = await DragSession.StartAsync(server.Client, start);

        // The fast stream steps on while the slow one reads nothing.
        var fastFrames = await fast.ReadUntilAsync(f => f.Step >= 30);
        Assert.True(fastFrames[^1].Step >= 30);

        var slowFrames = await slow.ReadUntilAsync(f => f.Step >= 30);
        Assert.True(slowFrames.Zip(slowFrames.Skip(1)).Any(p => p.Second.Step > p.First.Step + 1), "the slow reader should see a gap");
        Assert.True(slowFrames.Count < 30);
        Assert.NotEmpty(dropped.Values);
    }

    [Fact]
    public async Task ConcurrentDrags_AreSteppedTogetherInBatches()
    {
        // A fixed batch size: the adaptive one depends on measured times (BatchSizeTunerTests).
        await using var fixedBatch = await CustomFixtureServer.StartAsync(("Inference:AdaptiveBatchSize", "false"));
        var latent = await DragRequests.SeedLatentAsync(fixedBatch.Client, Model);
        using var batches = new InstrumentRecorder<int>(fixedBatch, "draggan_inference_batch_size");
        var drags = new List<DragSession>();
        try
        {
            for (var i = 0; i < 3; i++)
                drags.Add(await DragSession.StartAsync(fixedBatch.Client, EndlessDrag(latent)));
            var progress = await Task.WhenAll(drags.Select(d => d.ReadUntilAsync(f => f.Step >= 10)));

            Assert.All(progress, frames => Assert.True(frames[^1].Step >= 10));
            // Up to MaxBatchSize (8) ready edits go together: all three.
            Assert.Contains(batches.Values, size => size == 3);
        }
        finally
        {
            drags.ForEach(d => d.Dispose());
        }
    }

    [Fact]
    public async Task ConcurrentDrags_ReportTheBatchSizeTheSchedulerLearnt()
    {
        await using var adaptive = await CustomFixtureServer.StartAsync(("Inference:AdaptiveBatchSize", "true"), ("Inference:MaxBatchSize", "4"));
        var latent = await DragRequests.SeedLatentAsync(adaptive.Client, Model);
        using var chosen = new InstrumentRecorder<int>(adaptive, "draggan_inference_batch_size_chosen");
        using var batches = new InstrumentRecorder<int>(adaptive, "draggan_inference_batch_size");
        var drags = new List<DragSession>();
        try
        {
            for (var i = 0; i < 2; i++)
                drags.Add(await DragSession.StartAsync(adaptive.Client, EndlessDrag(latent)));
            await Task.WhenAll(drags.Select(d => d.ReadUntilAsync(f => f.Step >= 8)));
            chosen.Observe();

            // Whatever the times, the tuner measured one edit first and never exceeds the bound or the ready edits.
            Assert.Equal(1, batches.Values[0]);
            Assert.All(batches.Values, size => Assert.InRange(size, 1, 2));
            Assert.InRange(Assert.Single(chosen.Values), 1, 2);
        }
        finally
        {
            drags.ForEach(d => d.Dispose());
        }
    }

    [Fact]
    public async Task Capacity_RefusesTheStreamBeyondTheLimit()
    {
        await using var small = await CustomFixtureServer.StartAsync(("Inference:MaxActiveStreams", "1"));
        var latent = await DragRequests.SeedLatentAsync(small.Client, Model);
        using var first = await DragSession.StartAsync(small.Client, EndlessDrag(latent));
        await first.ReadUntilAsync(f => f.Step >= 1);

        using var second = DragSession.Open(small.Client);
        var error = await second.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("maximum of 1 streams", error.Status.Detail);
        Assert.NotNull(await first.NextAsync());
    }

    [Fact]
    public async Task IdleStream_EndsAsAfterAStopAndGivesBackItsSlot()
    {
        await using var replica = await CustomFixtureServer.StartAsync(("Inference:IdleStreamTimeoutSeconds", "3"));
        var latent = await DragRequests.SeedLatentAsync(replica.Client, Model);
        using var streams = new InstrumentRecorder<long>(replica, "draggan_inference_active_streams");
        using var drag = await DragSession.StartAsync(replica.Client, EndlessDrag(latent));
        await drag.ReadUntilAsync(f => f.Step >= 1);
        await drag.SendAsync(new DragRequest { Pause = new DragPause() });
        var paused = (await drag.ReadUntilAsync(f => f.Paused))[^1];
        Assert.True(paused.Paused);

        // Nothing more is sent: the paused stream ends by itself, as after a stop.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var final = (await drag.ReadUntilAsync(f => f.Final))[^1];
        Assert.True(final.Final);
        Assert.Equal(paused.Step, final.Step);
        Assert.NotNull(final.State);
        Assert.Null(await drag.NextAsync());
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1), $"ended after {clock.Elapsed}, well before the idle timeout");

        await WaitForNoStreamsAsync(replica);
        Assert.Equal([1L, -1L], streams.Values);
    }

    [Fact]
    public async Task StreamWithoutStartMessage_TimesOut()
    {
        await using var strict = await CustomFixtureServer.StartAsync(("Inference:StartMessageTimeoutSeconds", "0.3"));
        using var idle = DragSession.Open(strict.Client);

        var error = await idle.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.StartsWith("start:", error.Status.Detail);
        await WaitForNoStreamsAsync(strict);
    }

    [Fact]
    public async Task Shutdown_HandsBackTheStateAndAnotherReplicaResumesIt()
    {
        var replica = await CustomFixtureServer.StartAsync(("Inference:ShutdownDrainSeconds", "1"));
        await using var _ = replica;
        var latent = await DragRequests.SeedLatentAsync(replica.Client, Model);
        using var drag = await DragSession.StartAsync(replica.Client, EndlessDrag(latent));
        await drag.ReadUntilAsync(f => f.Step >= 2);

        var stopping = replica.StopAsync();
        // While it drains, the replica reports NOT_SERVING and refuses new streams.
        var health = new Health.HealthClient(replica.Channel);
        await WaitUntilAsync(async () => (await health.CheckAsync(new HealthCheckRequest())).Status == HealthCheckResponse.Types.ServingStatus.NotServing);
        // ... while liveness stays SERVING, so that no orchestrator restarts it mid-drain.
        var liveness = await health.CheckAsync(new HealthCheckRequest { Service = GrpcHost.LivenessHealthService });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, liveness.Status);
        using var refused = DragSession.Open(replica.Client);
        Assert.Equal(StatusCode.Unavailable, (await refused.ReadUntilErrorAsync()).StatusCode);

        var frames = new List<DragFrame>();
        var error = await drag.ReadUntilErrorAsync(frames);
        await stopping;

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        var handedBack = frames[^1];
        Assert.True(handedBack.HandedBack);
        Assert.NotNull(handedBack.State);

        await using var next = await CustomFixtureServer.StartAsync();
        using var resumed = DragSession.Open(next.Client);
        await resumed.SendAsync(new DragRequest { Resume = new DragResume { State = handedBack.State } });
        var first = await resumed.NextAsync();
        Assert.NotNull(first);
        // Steps continue from the handed-back state (early frames may be dropped for a slow reader).
        Assert.True(first.Step > handedBack.Step, $"resumed at step {first.Step} after {handedBack.Step}");
    }

    [Fact]
    public async Task Shutdown_HandsBackAConvergedEditAtOnce()
    {
        var replica = await CustomFixtureServer.StartAsync(("Inference:ShutdownDrainSeconds", "30"));
        await using var _ = replica;
        var latent = await DragRequests.SeedLatentAsync(replica.Client, Model);
        var start = DragRequests.Start(Model, latent, new DragParameters { StopDistance = 40 }, DragRequests.Pair(100, 128, 130, 128));
        using var drag = await DragSession.StartAsync(replica.Client, start);
        Assert.True((await drag.ReadUntilAsync(f => f.Converged))[^1].Converged);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stopping = replica.StopAsync();
        var frames = new List<DragFrame>();
        var error = await drag.ReadUntilErrorAsync(frames);
        await stopping;

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.True(frames[^1].HandedBack);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"an idle edit should not wait for the drain deadline ({clock.Elapsed})");
    }

    private static Task WaitForNoStreamsAsync(InferenceServer server)
    {
        var admission = server.Services.GetRequiredService<StreamAdmission>();
        var scheduler = server.Services.GetRequiredService<DragScheduler>();
        return WaitUntilAsync(() => Task.FromResult(admission.Active == 0 && scheduler.ActiveStreams == 0));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for the condition");
            await Task.Delay(20);
        }
    }
}
