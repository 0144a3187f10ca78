using DragGan.Protos.V1;
using Grpc.Core;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.SoakTests;

/// <summary>
/// A tenant that takes all it can, on both replicas at once: drags with 2048 px raw frames and their
/// GIF export; MP4 and GIF exports at the export limits' edges; sessions created until a quota
/// refuses; drags started on one replica and steered, watched and taken over through the other
/// (the relay); drags paused and left open or abandoned; sessions deleted mid-drag; and a flood of
/// creates, full reads, full listings and deletes. Every attack's completions and refusals (by the
/// setting that refused) are counted; refusals are expected, never failures.
/// </summary>
internal sealed class HostileTenant(Tenant tenant, Counters counts, IReadOnlySet<string> enabled)
{
    /// <summary>Every attack's name, as the report and <c>--attacks</c> name them.</summary>
    public static readonly string[] Attacks = ["large_frames", "export", "quota", "relay", "paused_drag", "delete_mid_drag", "flood"];

    private const int FloodLoops = 4;
    private const int QuotaCreators = 8;
    private const int MaxHeldDrags = 1;
    private readonly List<AsyncDuplexStreamingCall<SessionDragRequest, SessionDragFrame>> _held = [];
    private ulong _seed = 50_000;

    /// <summary>
    /// Creates the sessions of the attacks that keep one (large frames, export, relay) before any
    /// attack starts, as a prepared attacker would, then runs every enabled attack until <paramref name="stop"/>.
    /// </summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var own = new Dictionary<string, Session>(StringComparer.Ordinal);
        try
        {
            foreach (var (attack, replica) in new[] { ("large_frames", 1), ("export", 0), ("relay", 0) }.Where(a => enabled.Contains(a.Item1)))
                own[attack] = await OwnSessionAsync(attack, tenant.On(replica), stop);
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            return;
        }
        var attacks = new List<Task>();
        if (enabled.Contains("large_frames"))
            attacks.Add(Loop("large_frames", LargeFrames(own["large_frames"], stop), stop));
        if (enabled.Contains("export"))
            attacks.Add(Loop("export", () => ExportAsync(own["export"], stop), stop));
        if (enabled.Contains("quota"))
            attacks.Add(QuotaAsync(stop));
        if (enabled.Contains("relay"))
            attacks.Add(Loop("relay", Relay(own["relay"], stop), stop));
        if (enabled.Contains("paused_drag"))
            attacks.Add(Loop("paused_drag", _ => PausedDragAsync(stop), stop));
        if (enabled.Contains("delete_mid_drag"))
            attacks.Add(Loop("delete_mid_drag", iteration => DeleteMidDragAsync(iteration, stop), stop));
        if (enabled.Contains("flood"))
            attacks.AddRange(Enumerable.Range(0, FloodLoops).Select(_ => Loop("flood", _ => FloodAsync(stop), stop)));
        await Task.WhenAll(attacks);
    }

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

    /// <summary>Runs <paramref name="work"/> until <paramref name="stop"/>, counting completions and refusals.</summary>
    private async Task Loop(string attack, Func<int, Task> work, CancellationToken stop)
    {
        for (var iteration = 0; !stop.IsCancellationRequested; iteration++)
        {
            try
            {
                await work(iteration);
                counts.Add(attack, "completed");
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e)
            {
                counts.Refused(attack, "", e);
                // A refusal: back off a little, as a client with retries would not; keep pressing.
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    /// <summary>Prepares an attack (its session, its kept frames) until that is not refused, then runs it.</summary>
    private async Task Loop(string attack, Func<Task<Func<int, Task>>> prepare, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Loop(attack, await prepare(), stop);
                return;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e)
            {
                counts.Refused(attack, "preparation ", e);
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    private ulong NextSeed() => Interlocked.Increment(ref _seed);

    /// <summary>A session of the attack's own, created once (retried while a quota refuses: the quota attack fills it).</summary>
    private async Task<Session> OwnSessionAsync(string attack, SessionsClient client, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                return await tenant.CreateAsync(client, NextSeed(), stop);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                counts.Refused(attack, "", e);
                await Task.Delay(100, stop);
            }
        }
    }

    /// <summary>
    /// Drags that ask for 2048 px raw frames every step (refused: frames are at most twice the
    /// model's side), then take the largest raw frames allowed every step, then their GIF at 1024 px.
    /// </summary>
    private Func<int, Task> LargeFrames(Session session, CancellationToken stop)
    {
        var largest = LargestFrames(session);
        return async iteration =>
        {
            var client = tenant.On(iteration);
            var huge = new FrameOptions { Image = new ImageOptions { Encoding = ImageEncoding.RawRgb, Size = 2048 } };
            try
            {
                await DragRun.RunAsync(client, Tenant.DragStart(session.Id, session.Resolution, maxSteps: 100, huge), stopAtStep: 12, stop);
                counts.Add("large_frames", "drags_of_2048px_frames_admitted");
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument && e.Status.Detail.StartsWith("start.frame_options.image.size", StringComparison.Ordinal))
            {
                counts.Add("large_frames", "drags_of_2048px_frames_refused");
            }
            await DragRun.RunAsync(client, Tenant.DragStart(session.Id, session.Resolution, maxSteps: 100, largest), stopAtStep: 12, stop, frame =>
            {
                if (frame.Frame.Image is { } image && image.Width == largest.Image.Size)
                {
                    counts.Add("large_frames", "largest_frames_received");
                    counts.Add("large_frames", "frame_kib_received", image.Data.Length >> 10);
                }
            });
            var gif = await client.ExportAnimationAsync(new ExportAnimationRequest { SessionId = session.Id, Size = 1024 }, cancellationToken: stop);
            counts.Add("large_frames", "gif_1024px_exported", 1);
            counts.Add("large_frames", "gif_kib", gif.Data.Length >> 10);
        };
    }

    /// <summary>Raw frames of the largest side a drag may ask for: twice the model's (the inference service's bound).</summary>
    private static FrameOptions LargestFrames(Session session) =>
        new() { Image = new ImageOptions { Encoding = ImageEncoding.RawRgb, Size = 2 * session.Resolution } };

    /// <summary>What the export attack asks for, in turn: each at or past an edge of Sessions:ExportLimits.</summary>
    private static readonly (string Name, ExportAnimationRequest Request)[] Exports =
    [
        // The last frame held 60 s at 20 ms a frame: 3,000 frames, past MaxFrames.
        ("mp4_hold_60s_at_20ms", new ExportAnimationRequest { Format = AnimationFormat.Mp4, Size = 1024, FrameDelayMs = 20, FinalFrameDelayMs = 60_000 }),
        // 10 s a frame and the last held 60 s: past MaxDurationMs.
        ("gif_10s_frames", new ExportAnimationRequest { Format = AnimationFormat.Gif, Size = 1024, FrameDelayMs = 10_000, FinalFrameDelayMs = 60_000 }),
        // The largest frames at the highest frame rate.
        ("mp4_1024px", new ExportAnimationRequest { Format = AnimationFormat.Mp4, Size = 1024, FrameDelayMs = 20 }),
        // The last frame held 10 s at 20 ms: about 510 frames at 1024 px through ffmpeg, under MaxFrames.
        ("mp4_1024px_hold_10s", new ExportAnimationRequest { Format = AnimationFormat.Mp4, Size = 1024, FrameDelayMs = 20, FinalFrameDelayMs = 10_000 }),
    ];

    /// <summary>Keeps frames of a drag on its session (until that is not refused), then exports them in turn as <see cref="Exports"/> asks.</summary>
    private async Task<Func<int, Task>> ExportAsync(Session session, CancellationToken stop)
    {
        var frames = new FrameOptions { Image = new ImageOptions { Encoding = ImageEncoding.Jpeg, Size = LargestFrames(session).Image.Size } };
        var drag = await DragRun.RunAsync(tenant.On(0), Tenant.DragStart(session.Id, session.Resolution, maxSteps: 100, frames), stopAtStep: 12, stop);
        counts.Add("export", "frames_kept_for_export", drag.Frames);
        return async iteration =>
        {
            var (name, template) = Exports[iteration % Exports.Length];
            var request = template.Clone();
            request.SessionId = session.Id;
            try
            {
                var animation = await tenant.On(iteration).ExportAnimationAsync(request, cancellationToken: stop);
                counts.Add("export", name + " exported");
                counts.Add("export", name + " kib", animation.Data.Length >> 10);
                counts.Add("export", name + " frames", animation.FrameCount);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && !stop.IsCancellationRequested)
            {
                counts.Refused("export", name + " ", e);
            }
        };
    }

    /// <summary>
    /// Creates sessions from several callers at once until a quota (sessions, stored bytes or the
    /// store budget) refuses one, holds them a second, then deletes them and fills again.
    /// </summary>
    private async Task QuotaAsync(CancellationToken stop)
    {
        var mine = new List<string>();
        while (!stop.IsCancellationRequested)
        {
            using var full = CancellationTokenSource.CreateLinkedTokenSource(stop);
            await Task.WhenAll(Enumerable.Range(0, QuotaCreators).Select(creator => CreateUntilRefusedAsync(creator, mine, full)));
            try
            {
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            await DeleteAsync(mine, stop);
        }
        // What it filled the quota with is given back: the sessions the other attacks keep are checked.
        using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await DeleteAsync(mine, cleanup.Token);
    }

    private async Task CreateUntilRefusedAsync(int creator, List<string> mine, CancellationTokenSource full)
    {
        while (!full.IsCancellationRequested)
        {
            try
            {
                var session = await tenant.CreateAsync(tenant.On(creator), NextSeed(), full.Token);
                counts.Add("quota", "created");
                lock (mine)
                    mine.Add(session.Id);
            }
            catch (Exception) when (full.IsCancellationRequested)
            {
                return;
            }
            catch (RpcException e)
            {
                var reason = RefusalReason.Of(e);
                counts.Refused("quota", "", e);
                if (reason.Contains("TenantQuota", StringComparison.Ordinal) || reason.Contains("StoreBudget", StringComparison.Ordinal))
                {
                    await full.CancelAsync();
                    return;
                }
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    private async Task DeleteAsync(List<string> sessions, CancellationToken cancellation)
    {
        string[] ids;
        lock (sessions)
        {
            ids = [.. sessions];
            sessions.Clear();
        }
        for (var i = 0; i < ids.Length; i++)
        {
            try
            {
                await tenant.DeleteAsync(tenant.On(i), ids[i], cancellation);
                counts.Add("quota", "deleted");
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted)
            {
                counts.Refused("quota", "delete ", e);
                await Task.Delay(200, CancellationToken.None);
                i--; // the rate limit: the same session again
            }
            catch (Exception) when (cancellation.IsCancellationRequested)
            {
                lock (sessions)
                    sessions.AddRange(ids[i..]);
                return;
            }
        }
    }

    /// <summary>
    /// A drag started on replica 0 with the largest raw frames allowed, watched, steered, paused and taken over
    /// on replica 1, where every frame and command crosses Redis pub/sub; the take-over stops it.
    /// </summary>
    private Func<int, Task> Relay(Session session, CancellationToken stop)
    {
        var runner = tenant.On(0);
        var other = tenant.On(1);
        var frames = LargestFrames(session);
        return async iteration =>
        {
            var started = await runner.StartDragAsync(new StartDragRequest
            {
                Start = Tenant.DragStart(session.Id, session.Resolution, maxSteps: 10_000, frames, variant: iteration),
            }, cancellationToken: stop);
            var dragId = started.ActiveDrag.DragId;
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(stop);
            using var watch = other.WatchDrag(new WatchDragRequest { SessionId = session.Id, DragId = dragId }, cancellationToken: watching.Token);
            var watched = CountFramesAsync(watch.ResponseStream, "frames_relayed_to_watcher", watching.Token);
            for (var i = 0; i < 6; i++)
            {
                var target = new Point { X = session.Resolution * (0.6 + 0.05 * i), Y = session.Resolution * 0.5 };
                var update = new DragUpdate();
                update.PointEdits.Add(new PointEdit { Move = new PointMove { Index = 0, Target = target } });
                await other.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = dragId, Update = update }, cancellationToken: stop);
                counts.Add("relay", "updates_relayed");
                await Task.Delay(150, stop);
            }
            await other.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = dragId, Pause = new DragPause() }, cancellationToken: stop);
            await other.UpdateDragAsync(new UpdateDragRequest { SessionId = session.Id, DragId = dragId, Unpause = new DragUnpause() }, cancellationToken: stop);
            counts.Add("relay", "pauses_relayed");

            // Take over on the other replica: the stream attaches to the drag where it runs.
            var takeOver = Tenant.DragStart(session.Id, session.Resolution, maxSteps: 10_000, frames);
            takeOver.TakeOver = true;
            using var call = other.Drag(cancellationToken: stop);
            await call.RequestStream.WriteAsync(new SessionDragRequest { Start = takeOver }, stop);
            var read = 0;
            var committed = false;
            while (await call.ResponseStream.MoveNext(stop))
            {
                committed |= call.ResponseStream.Current.HasCommittedEntryId;
                if (++read == 3)
                {
                    await call.RequestStream.WriteAsync(new SessionDragRequest { Stop = new DragStop() }, stop);
                    await call.RequestStream.CompleteAsync();
                }
            }
            counts.Add("relay", "take_overs");
            counts.Add("relay", "frames_relayed_to_take_over", read);
            if (committed)
                counts.Add("relay", "committed_through_take_over");
            watching.CancelAfter(TimeSpan.FromSeconds(10));
            await watched;
        };
    }

    private async Task CountFramesAsync(IAsyncStreamReader<SessionDragFrame> frames, string name, CancellationToken cancellation)
    {
        try
        {
            while (await frames.MoveNext(cancellation))
                counts.Add("relay", name);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            counts.Add("relay", "watch_cut_short");
        }
    }

    private async Task PausedDragAsync(CancellationToken stop)
    {
        var session = await tenant.CreateAsync(NextSeed(), stop);
        var call = tenant.Next().Drag(cancellationToken: CancellationToken.None);
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
            // One at a time is kept open, paused (it holds one of the tenant's drags); the others
            // are dropped at once (a tab closed mid-drag).
            if (_held.Count < MaxHeldDrags)
            {
                _held.Add(call);
                keep = true;
            }
        }
        if (!keep)
            call.Dispose();
        await Task.Delay(500, stop);
    }

    /// <summary>A drag on one replica whose session is deleted through the other: the drag must end.</summary>
    private async Task DeleteMidDragAsync(int iteration, CancellationToken stop)
    {
        var session = await tenant.CreateAsync(NextSeed(), stop);
        using var call = tenant.On(iteration).Drag(cancellationToken: stop);
        await call.RequestStream.WriteAsync(new SessionDragRequest
        {
            Start = Tenant.DragStart(session.Id, session.Resolution, maxSteps: 10_000, new FrameOptions { EveryKSteps = 1 }),
        }, stop);
        for (var i = 0; i < 2 && await call.ResponseStream.MoveNext(stop); i++)
        {
        }
        await tenant.DeleteAsync(tenant.On(iteration + 1), session.Id, stop);
        // The drag must end by itself now: read what is left, for at most 10 s.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stop);
        bounded.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            while (await call.ResponseStream.MoveNext(bounded.Token))
            {
            }
            counts.Add("delete_mid_drag", "deleted_drag_ended");
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            counts.Add("delete_mid_drag", "deleted_drag_ended"); // ended with an error status: ended
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && bounded.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            counts.Add("delete_mid_drag", "deleted_drag_still_running");
        }
    }

    private async Task FloodAsync(CancellationToken stop)
    {
        var session = await tenant.CreateAsync(NextSeed(), stop);
        await tenant.Next().GetSessionAsync(new GetSessionRequest { SessionId = session.Id, View = SessionView.Full }, cancellationToken: stop);
        await tenant.Next().ListSessionsAsync(new ListSessionsRequest { PageSize = 100, View = SessionView.Full }, cancellationToken: stop);
        await tenant.DeleteAsync(tenant.Next(), session.Id, stop);
    }
}
