using System.Threading.Channels;
using DragGan.Protos.V1;
using DragGan.Sessions.Admission;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Telemetry;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Drags;

/// <summary>
/// Starts, finds and steers session drags. A new drag starts from the session's current latent
/// with the points, mask and parameters the request gives, the session's own filling the gaps; it
/// is admitted against the tenant's limit and recorded as the session's active drag before it
/// runs, so another replica sees it and a second one is refused. The process that runs a drag holds
/// its lease in the store: a take-over attaches to the drag where it runs (here, or through the
/// relay on the replica that holds the lease), and only a drag whose lease has lapsed (its process
/// is gone, or handed it back) is continued here, from the state persisted with the session.
/// </summary>
internal sealed class DragCoordinator(
    SessionEditor editor,
    InferenceGateway inference,
    ActiveDragRegistry registry,
    IDragRelay relay,
    TenantAdmission admission,
    IOptions<SessionsOptions> options,
    SessionsMetrics metrics,
    ILogger<DragCoordinator> logger)
{
    /// <summary>How long a start waits for the drag's first frame (or its first error) before answering.</summary>
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(60);

    /// <summary>How often a take-over looks again while a lease whose holder no longer answers runs out.</summary>
    private static readonly TimeSpan ClaimRetry = TimeSpan.FromMilliseconds(250);

    /// <summary>Starts (or takes over) the drag and returns it with a watcher subscribed before its first frame.</summary>
    public async Task<(IDragControl Drag, ChannelReader<SessionDragFrame> Frames)> StartAsync(
        SessionKey key, SessionDragStart start, DragClient client, CancellationToken cancellationToken)
    {
        var record = await editor.GetAsync(key, cancellationToken);
        var stored = record.Value;
        if (start.TakeOver && stored.Session.ActiveDrag is { } running)
            return await TakeOverAsync(key, running, cancellationToken);

        var plan = Plan(key, stored.Session, start, stored.WeightDelta);
        var active = new ActiveDrag
        {
            DragId = plan.DragId,
            Phase = DragPhase.Starting,
            StartTime = Timestamp.FromDateTime(DateTime.UtcNow),
            UpdateTime = Timestamp.FromDateTime(DateTime.UtcNow),
            Client = client,
        };
        active.Points.AddRange(plan.Start.Points);
        var lease = await admission.EnterDragAsync(key.Tenant, plan.DragId, cancellationToken);
        try
        {
            await editor.BeginDragAsync(key, active, plan.Start, plan.ClientFrames, start.HasExpectedVersion ? start.ExpectedVersion : null, cancellationToken);
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
        var run = await LaunchAsync(plan, active, lease, cancellationToken);
        return (run.Run, run.Frames);
    }

    /// <summary>
    /// The session's active drag: its run when this process runs it; its description when another
    /// live replica runs it (reach it through the relay); or, when no process holds it any more,
    /// marked orphaned, for the caller to take it over or end it here.
    /// </summary>
    /// <exception cref="ReferenceNotFoundException">("drag_id") When it is not the session's active drag.</exception>
    /// <exception cref="TemporarilyUnavailableException">When another process runs it and no relay reaches it.</exception>
    public async Task<FoundDrag> FindAsync(SessionKey key, string dragId, CancellationToken cancellationToken)
    {
        var record = await editor.GetAsync(key, cancellationToken);
        var active = record.Value.Session.ActiveDrag;
        if (active is null || (dragId.Length > 0 && active.DragId != dragId))
            throw new ReferenceNotFoundException("drag_id", $"{ClientText.Quote(dragId)} is not the session's active drag.");
        if (registry.TryGet(active.DragId, out var run) && run is not null)
            return new FoundDrag(run.Active, run, Orphaned: false);
        var holder = await admission.DragHolderAsync(key.Tenant, active.DragId, cancellationToken);
        if (holder is null)
            return new FoundDrag(active, null, Orphaned: true);
        if (admission.IsThisReplica(holder))
            throw new TemporarilyUnavailableException($"Drag '{active.DragId}' is ending; retry.");
        if (!relay.Enabled)
            throw new TemporarilyUnavailableException(
                $"Drag '{active.DragId}' is run by another session-service process; retry once it has ended or handed the drag back.");
        return new FoundDrag(active, null, Orphaned: false);
    }

    /// <summary>
    /// Continues an orphaned drag (see <see cref="FindAsync"/>) in this process. Null when another
    /// replica claimed it first: reach it through the relay.
    /// </summary>
    public async Task<SessionDragRun?> ResumeOrphanAsync(SessionKey key, ActiveDrag active, CancellationToken cancellationToken)
    {
        // It runs again, so it counts against the tenant's drags again.
        var (lease, _) = await admission.ResumeDragAsync(key.Tenant, active.DragId, cancellationToken);
        if (lease is null)
            return null;
        var (run, frames) = await ResumeHereAsync(key, active.DragId, lease, cancellationToken);
        // The caller watches (or steers) it on its own terms.
        run.Forget(frames);
        return run;
    }

    /// <summary>
    /// Ends an orphaned drag without running it: commits its last saved state, or with
    /// <paramref name="discard"/> (or without a saved state) drops it. Null when another replica
    /// claimed it first: stop it through the relay.
    /// </summary>
    public async Task<StopDragResponse?> StopOrphanAsync(SessionKey key, ActiveDrag active, bool discard, SessionView view, CancellationToken cancellationToken)
    {
        var (lease, _) = await admission.ClaimDragAsync(key.Tenant, active.DragId, cancellationToken);
        if (lease is null)
            return null;
        await using (lease)
        {
            var stored = (await editor.GetAsync(key, cancellationToken)).Value;
            if (stored.Session.ActiveDrag?.DragId != active.DragId)
                throw new ReferenceNotFoundException("drag_id", $"'{active.DragId}' is not the session's active drag.");
            if (discard || stored.DragState is not { } state)
            {
                var record = await editor.DiscardDragAsync(key, active.DragId, cancellationToken);
                return new StopDragResponse { Session = SessionViews.Project(record, view) };
            }
            var points = state.Handles.Select(h => new PointPair { Handle = h.Handle, Target = h.Target }).ToList();
            var result = await editor.CommitDragAsync(key,
                new CommittedDrag(active.DragId, state.Latent, points, state.Mask, state.Parameters, state.Step, DragOutcome.Stopped), cancellationToken);
            logger.LogInformation("Orphaned drag {DragId} of session {SessionId} was committed from its state at step {Step}", active.DragId, key.Id, state.Step);
            return new StopDragResponse { Session = SessionViews.Project(result.Session, view), CommittedEntryId = result.EntryId };
        }
    }

    /// <summary>
    /// A deleted session's drag ends at once, wherever it runs (a run elsewhere is told through the
    /// relay), so that its inference stream does not outlive it.
    /// </summary>
    public async Task EndForDeletedSessionAsync(string dragId)
    {
        if (registry.TryGet(dragId, out var run) && run is not null)
        {
            run.EndForDeletedSession();
            return;
        }
        if (relay.Enabled)
            await relay.SendCommandAsync(dragId, new ClientDragCommand.Stop(Discard: true).ToRelayed(), CancellationToken.None);
    }

    private async Task<(IDragControl, ChannelReader<SessionDragFrame>)> TakeOverAsync(SessionKey key, ActiveDrag running, CancellationToken cancellationToken)
    {
        // A holder that died keeps its lease until the lease expires: wait that long at most.
        var deadline = DateTime.UtcNow + options.Value.LeaseDuration + TimeSpan.FromSeconds(1);
        while (true)
        {
            if (registry.TryGet(running.DragId, out var local) && local is not null)
                return (local, local.Watch().Frames);
            var (lease, holder) = await admission.ResumeDragAsync(key.Tenant, running.DragId, cancellationToken);
            if (lease is not null)
            {
                var resumed = await ResumeHereAsync(key, running.DragId, lease, cancellationToken);
                return (resumed.Run, resumed.Frames);
            }
            if (!relay.Enabled)
                throw new TemporarilyUnavailableException(
                    $"Drag '{running.DragId}' is run by another session-service process; retry once it has ended or handed the drag back.");
            // The replica that holds the lease runs the drag: steer and watch it there.
            if (!admission.IsThisReplica(holder) && await relay.HasRunnerAsync(running.DragId))
            {
                var remote = await RemoteDrag.AttachAsync(relay, running);
                return (remote, remote.Frames);
            }
            if (DateTime.UtcNow > deadline)
                throw new TemporarilyUnavailableException($"Drag '{running.DragId}' cannot be reached or taken over yet; retry.");
            await Task.Delay(ClaimRetry, cancellationToken);
        }
    }

    /// <summary>Continues the session's active drag here, under <paramref name="lease"/>: from its saved state, or from its start when it saved none.</summary>
    private async Task<(SessionDragRun Run, ChannelReader<SessionDragFrame> Frames)> ResumeHereAsync(SessionKey key, string dragId, HeldLease lease, CancellationToken cancellationToken)
    {
        try
        {
            var stored = (await editor.GetAsync(key, cancellationToken)).Value;
            if (stored.Session.ActiveDrag is not { } running || running.DragId != dragId)
                throw new ReferenceNotFoundException("drag_id", $"{ClientText.Quote(dragId)} is not the session's active drag any more.");
            if (stored.DragState is null && stored.DragStart is null)
            {
                // Nothing to continue from (its start was never saved): the session must not stay blocked.
                await editor.DiscardDragAsync(key, dragId, cancellationToken);
                throw new OperationNotAllowedException($"Drag '{dragId}' ended before anything of it was saved; it is discarded: start a new one.");
            }
            var plan = new DragPlan(key, dragId,
                stored.DragStart ?? new DragStart { Model = stored.Session.Model, SessionId = key.Id },
                stored.DragFrameOptions ?? new FrameOptions(),
                stored.DragState,
                stored.Session.Resolution,
                stored.WeightDelta);
            logger.LogInformation("Drag {DragId} of session {SessionId} is taken over from step {Step}", dragId, key.Id, stored.DragState?.Step ?? 0);
            return await LaunchAsync(plan, running, lease, cancellationToken, paused: running.Phase == DragPhase.Paused);
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }
    }

    private async Task<(SessionDragRun Run, ChannelReader<SessionDragFrame> Frames)> LaunchAsync(
        DragPlan plan, ActiveDrag active, HeldLease lease, CancellationToken cancellationToken, bool paused = false)
    {
        var run = new SessionDragRun(plan, active, lease, editor, inference, relay, options.Value, metrics, logger);
        var frames = run.Watch().Frames;
        // A drag paused when its replica went away stays paused where it continues.
        if (paused)
            _ = run.TryPost(new ClientDragCommand.Pause());
        registry.Add(run);
        run.Start();
        // Answer once the drag runs, so that a bad start is the caller's error, not a watcher's. A
        // run that cannot start gives the session back itself.
        var started = await Task.WhenAny(run.Started, Task.Delay(StartWait, cancellationToken));
        if (started == run.Started && run.Started.Exception?.InnerException is { } error)
        {
            run.Forget(frames);
            throw error;
        }
        return (run, frames);
    }

    private DragPlan Plan(SessionKey key, Protos.V1.Session session, SessionDragStart start, ByteString weightDelta)
    {
        var resolution = (int)session.Resolution;
        var points = start.Points.Count > 0 ? start.Points : session.Points;
        if (points.Count == 0)
            throw new InvalidInputException("start.points", "must hold at least one handle/target pair (the session has none from an earlier drag).");
        for (var i = 0; i < points.Count; i++)
        {
            CheckPoint(points[i].Handle, resolution, $"start.points[{i}].handle");
            CheckPoint(points[i].Target, resolution, $"start.points[{i}].target");
        }
        if (start.ClearMask && start.Mask is not null)
            throw new InvalidInputException("start.clear_mask", "cannot be set together with start.mask.");
        var mask = start.Mask ?? (start.ClearMask ? null : session.Mask);

        var parameters = session.Parameters?.Clone() ?? new DragParameters();
        if (start.Parameters is not null)
            parameters.MergeFrom(start.Parameters);

        var inferenceStart = new DragStart
        {
            Model = session.Model,
            Latent = SessionHistory.Current(session).Latent,
            Mask = mask,
            Parameters = parameters,
            SessionId = key.Id,
        };
        inferenceStart.Points.AddRange(points.Select(p => p.Clone()));
        return new DragPlan(key, SessionIds.New(), inferenceStart, start.FrameOptions ?? new FrameOptions(), null, session.Resolution, weightDelta);
    }

    private static void CheckPoint(Point? point, int resolution, string field)
    {
        if (point is null)
            throw new InvalidInputException(field, "must be set.");
        if (!double.IsFinite(point.X) || !double.IsFinite(point.Y) || point.X < 0 || point.Y < 0 || point.X > resolution - 1 || point.Y > resolution - 1)
            throw new InvalidInputException(field, $"({point.X}, {point.Y}) must be finite and inside the {resolution}x{resolution} image (0..{resolution - 1}).");
    }
}
