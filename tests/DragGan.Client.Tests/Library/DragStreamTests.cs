using DragGan.Client.Tests.Support;
using DragGan.Protos.V1;

namespace DragGan.Client.Tests.Library;

/// <summary>Drags through <see cref="SessionDrag"/>: frames as an async stream, steering while it runs, stopping and cancelling.</summary>
[Collection(ServicesCollection.Name)]
public sealed class DragStreamTests(ServiceHosts hosts) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly DragGanClient _client = hosts.Client();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Steering_MovesTargetsAddsAndRemovesPointsPausesAndStops()
    {
        var session = await _client.CreateFromSeedAsync(3);
        await using var drag = await _client.StartDragAsync(session.Id, [DragPoints.Pair(100, 128, 130, 128)], new DragParameters { MaxSteps = 10_000 });
        await using var frames = drag.ReadFramesAsync().GetAsyncEnumerator();
        using var timeout = new CancellationTokenSource(Patience);

        Assert.True(await frames.MoveNextAsync());
        Assert.Equal(session.Id, drag.SessionId);
        Assert.NotNull(drag.DragId);

        await drag.MovePointAsync(0, target: DragPoints.At(90, 150));
        await NextAsync(frames, f => f.Targets.Count == 1 && f.Targets[0].Y == 150, timeout.Token);

        await drag.AddPointAsync(DragPoints.Pair(60, 60, 70, 60));
        await NextAsync(frames, f => f.Handles.Count == 2, timeout.Token);
        await drag.RemovePointAsync(0);
        var single = await NextAsync(frames, f => f.Handles.Count == 1, timeout.Token);
        Assert.Equal((70.0, 60.0), (single.Targets[0].X, single.Targets[0].Y));

        await drag.SetParametersAsync(new DragParameters { LearningRate = 0.002 });
        await drag.SetMaskAsync(new Mask { Width = 256, Height = 256, Values = Google.Protobuf.ByteString.CopyFrom(new byte[256 * 256]) });
        await drag.PauseAsync();
        var paused = await NextAsync(frames, f => f.Paused, timeout.Token);
        // Paused, it stays at its step (a running drag's saved step moves every few steps).
        for (var look = 0; look < 2; look++)
        {
            await Task.Delay(300);
            var active = (await _client.GetSessionAsync(session.Id)).ActiveDrag;
            Assert.Equal((DragPhase.Paused, paused.Step), (active.Phase, active.Step));
        }
        await drag.UnpauseAsync();
        await NextAsync(frames, f => !f.Paused && f.Step > paused.Step, timeout.Token);

        await drag.StopAsync();
        await drag.StopAsync(); // harmless
        await Assert.ThrowsAsync<InvalidOperationException>(() => drag.PauseAsync());
        while (await frames.MoveNextAsync())
        {
        }
        var result = drag.Result!;
        Assert.True(result.HasCommittedEntryId);
        Assert.True(result.Frame.Final);
        Assert.Equal(DragOutcome.Stopped, result.Session.History[^1].Outcome);
        Assert.Equal((70.0, 60.0), (result.Session.Points.Single().Target.X, result.Session.Points.Single().Target.Y));
        Assert.Equal(0.002, result.Session.Parameters.LearningRate);
    }

    [Fact]
    public async Task CancellingTheFrames_EndsTheCall_AndTheServiceCommitsTheDragAsItStood()
    {
        var session = await _client.CreateFromSeedAsync(4);
        var drag = await _client.StartDragAsync(Drags.Start(session.Id, maxSteps: 10_000));
        using var cancel = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var frame in drag.ReadFramesAsync(cancel.Token))
            {
                if (++seen == 2)
                    await cancel.CancelAsync();
            }
        });
        await drag.DisposeAsync();

        // The service commits the cancelled drag from its last persisted state.
        var deadline = DateTime.UtcNow + Patience;
        Session after;
        do
        {
            await Task.Delay(100);
            after = await _client.GetSessionAsync(session.Id);
        }
        while (after.ActiveDrag is not null && DateTime.UtcNow < deadline);
        Assert.Null(after.ActiveDrag);
        var entry = after.History[^1];
        Assert.Equal((HistoryEntryKind.Drag, DragOutcome.Stopped, drag.DragId), (entry.Kind, entry.Outcome, entry.DragId));
        Assert.InRange(entry.Steps, 1u, 9_999u);
    }

    [Fact]
    public async Task CancellingTheStart_ThrowsOperationCanceled()
    {
        var session = await _client.CreateFromSeedAsync(6);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _client.StartDragAsync(Drags.Start(session.Id, maxSteps: 3), cancelled.Token));
    }

    [Fact]
    public async Task ASecondDrag_WhileOneRuns_IsRefusedAtItsStart()
    {
        var session = await _client.CreateFromSeedAsync(8);
        await using var first = await _client.StartDragAsync(Drags.Start(session.Id, maxSteps: 10_000));

        var busy = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => _client.StartDragAsync(Drags.Start(session.Id, maxSteps: 3)));

        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, busy.StatusCode);
        await first.StopAsync();
        await Drags.RunToEndAsync(first);
    }

    private static async Task<DragFrame> NextAsync(IAsyncEnumerator<SessionDragFrame> frames, Func<DragFrame, bool> wanted, CancellationToken timeout)
    {
        while (await frames.MoveNextAsync())
        {
            timeout.ThrowIfCancellationRequested();
            if (wanted(frames.Current.Frame))
                return frames.Current.Frame;
        }
        throw new Xunit.Sdk.XunitException("The drag ended before the expected frame.");
    }
}
