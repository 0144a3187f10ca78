using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.SoakTests;

/// <summary>
/// A tenant that takes all it can, side by side: drags with the largest raw frames kept for GIF
/// export, drags paused and left open or abandoned, sessions deleted mid-drag, and a flood of
/// creates, reads and full listings. Its refusals (RESOURCE_EXHAUSTED and the like) are expected
/// and counted, never failures.
/// </summary>
internal sealed class HostileTenant(Tenant tenant, Latencies outcomes)
{
    private const int FloodLoops = 6;
    private const int MaxHeldDrags = 24;
    private readonly List<AsyncDuplexStreamingCall<SessionDragRequest, SessionDragFrame>> _held = [];
    private ulong _seed = 50_000;

    public Task RunAsync(CancellationToken stop) => Task.WhenAll(
    [
        Loop("large_frames", LargeFramesAsync, stop),
        Loop("paused_drag", PausedDragAsync, stop),
        Loop("delete_mid_drag", DeleteMidDragAsync, stop),
        .. Enumerable.Range(0, FloodLoops).Select(_ => Loop("flood", FloodAsync, stop)),
    ]);

    /// <summary>Paused drags that were left open: closed at the end as a browser tab would be.</summary>
    public void AbandonHeldDrags()
    {
        lock (_held)
        {
            foreach (var call in _held)
                call.Dispose();
            _held.Clear();
        }
    }

    private async Task Loop(string name, Func<CancellationToken, Task> work, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await work(stop);
                outcomes.Record(name, TimeSpan.Zero);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e)
            {
                outcomes.Error(name, e);
                // A refusal: back off a little, as a client with retries would not; keep pressing.
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    private ulong NextSeed() => Interlocked.Increment(ref _seed);

    private async Task LargeFramesAsync(CancellationToken stop)
    {
        var session = await tenant.CreateAsync(NextSeed(), stop);
        var frames = new FrameOptions { Image = new ImageOptions { Encoding = ImageEncoding.RawRgb, Size = 2048 } };
        await DragRun.RunAsync(tenant, Tenant.DragStart(session.Id, session.Resolution, maxSteps: 100, frames), stopAtStep: 12, stop);
        await tenant.Client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Size = 1024 }, cancellationToken: stop);
    }

    private async Task PausedDragAsync(CancellationToken stop)
    {
        var session = await tenant.CreateAsync(NextSeed(), stop);
        var call = tenant.Client.Drag(cancellationToken: CancellationToken.None);
        await call.RequestStream.WriteAsync(new SessionDragRequest
        {
            Start = Tenant.DragStart(session.Id, session.Resolution, maxSteps: 10_000, new FrameOptions { EveryKSteps = 50 }),
        }, stop);
        if (!await call.ResponseStream.MoveNext(stop))
            return;
        await call.RequestStream.WriteAsync(new SessionDragRequest { Pause = new DragPause() }, stop);
        var keep = false;
        lock (_held)
        {
            // Half are kept open, paused; half are dropped at once (a tab closed mid-drag).
            if (_held.Count < MaxHeldDrags && NextSeed() % 2 == 0)
            {
                _held.Add(call);
                keep = true;
            }
        }
        if (!keep)
            call.Dispose();
        await Task.Delay(500, stop);
    }

    private async Task DeleteMidDragAsync(CancellationToken stop)
    {
        var session = await tenant.CreateAsync(NextSeed(), stop);
        using var call = tenant.Client.Drag(cancellationToken: stop);
        await call.RequestStream.WriteAsync(new SessionDragRequest
        {
            Start = Tenant.DragStart(session.Id, session.Resolution, maxSteps: 10_000, new FrameOptions { EveryKSteps = 1 }),
        }, stop);
        for (var i = 0; i < 2 && await call.ResponseStream.MoveNext(stop); i++)
        {
        }
        await tenant.Client.DeleteSessionAsync(new DeleteSessionRequest { SessionId = session.Id }, cancellationToken: stop);
        tenant.Deleted(session.Id);
        // The drag must end by itself now: read what is left, for at most 10 s.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
        bounded.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            while (await call.ResponseStream.MoveNext(bounded.Token))
            {
            }
            outcomes.Record("deleted_drag_ended", TimeSpan.Zero);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            outcomes.Record("deleted_drag_ended", TimeSpan.Zero); // ended with an error status: ended
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && bounded.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            outcomes.Error("deleted_drag_still_running", new TimeoutException("The drag of a deleted session still ran after 10 s."));
        }
    }

    private async Task FloodAsync(CancellationToken stop)
    {
        var session = await tenant.CreateAsync(NextSeed(), stop);
        await tenant.Client.GetSessionAsync(new GetSessionRequest { SessionId = session.Id, View = SessionView.Full }, cancellationToken: stop);
        await tenant.Client.ListSessionsAsync(new ListSessionsRequest { PageSize = 100, View = SessionView.Full }, cancellationToken: stop);
    }
}
