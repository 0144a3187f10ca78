using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Services;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Telemetry;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace DragGan.Sessions.Drags;

/// <summary>
/// Starts, finds and steers session drags. A new drag starts from the session's current latent
/// with the points, mask and parameters the request gives, the session's own filling the gaps; it
/// is recorded as the session's active drag before it runs, so another replica sees it and a
/// second one is refused. With take-over, a drag this process runs is attached to, and one whose
/// process is gone continues from the state persisted with the session.
/// </summary>
internal sealed class SessionDrags(
    SessionEditor editor,
    InferenceReplicaSet replicas,
    ActiveDragRegistry registry,
    IDragRelay relay,
    IOptions<SessionsOptions> options,
    SessionsMetrics metrics,
    ILogger<SessionDrags> logger)
{
    /// <summary>How long a start waits for the drag's first frame (or its first error) before answering.</summary>
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(60);

    /// <summary>Starts (or takes over) the drag and returns it with a watcher subscribed before its first frame (the caller disposes it).</summary>
    public async Task<(SessionDragRun Run, DragWatcher Watcher)> StartAsync(
        SessionKey key, SessionDragStart start, DragClient client, CancellationToken cancellationToken)
    {
        var record = await editor.GetAsync(key, cancellationToken);
        var stored = record.Value;
        if (start.TakeOver && stored.Session.ActiveDrag is { } running)
            return await TakeOverAsync(key, stored, running, cancellationToken);

        var plan = Plan(key, stored.Session, start);
        var active = new ActiveDrag
        {
            DragId = plan.DragId,
            Phase = DragPhase.Starting,
            StartTime = Timestamp.FromDateTime(DateTime.UtcNow),
            UpdateTime = Timestamp.FromDateTime(DateTime.UtcNow),
            Client = client,
        };
        active.Points.AddRange(plan.Start.Points);
        await editor.BeginDragAsync(key, active, plan.ClientFrames, start.HasExpectedVersion ? start.ExpectedVersion : null, cancellationToken);
        return await LaunchAsync(plan, active, discardOnStartFailure: true, cancellationToken);
    }

    /// <summary>
    /// The session's active drag: its run when this process runs it, else (with the Redis relay)
    /// only its description, to reach it through the relay.
    /// </summary>
    /// <exception cref="RpcException">NOT_FOUND ("drag_id") when it is not the session's active drag; UNAVAILABLE when another process runs it and no relay reaches it.</exception>
    public async Task<(SessionDragRun? Local, ActiveDrag Active)> FindAsync(SessionKey key, string dragId, CancellationToken cancellationToken)
    {
        var record = await editor.GetAsync(key, cancellationToken);
        var active = record.Value.Session.ActiveDrag;
        if (active is null || (dragId.Length > 0 && active.DragId != dragId))
            throw new RpcException(new Status(StatusCode.NotFound, $"drag_id '{dragId}' is not the session's active drag."));
        if (registry.TryGet(active.DragId, out var run) && run is not null)
            return (run, run.Active);
        if (!relay.Enabled)
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"Drag '{active.DragId}' is run by another session-service process; take it over with a Drag start that sets take_over."));
        return (null, active);
    }

    private async Task<(SessionDragRun, DragWatcher)> TakeOverAsync(SessionKey key, StoredSession stored, ActiveDrag running, CancellationToken cancellationToken)
    {
        if (registry.TryGet(running.DragId, out var local) && local is not null)
            return (local, local.Watch());
        // The process that ran it is gone: continue from the state it persisted.
        var plan = Plan(key, stored.Session, new SessionDragStart()) with
        {
            DragId = running.DragId,
            ClientFrames = stored.DragFrameOptions ?? new FrameOptions(),
            ResumeFrom = stored.DragState,
        };
        logger.LogInformation("Drag {DragId} of session {SessionId} is taken over from step {Step}", running.DragId, key.Id, stored.DragState?.Step ?? 0);
        return await LaunchAsync(plan, running, discardOnStartFailure: false, cancellationToken);
    }

    private async Task<(SessionDragRun, DragWatcher)> LaunchAsync(DragPlan plan, ActiveDrag active, bool discardOnStartFailure, CancellationToken cancellationToken)
    {
        var run = new SessionDragRun(plan, active, editor, replicas, relay, options.Value, metrics, logger);
        var watcher = run.Watch();
        registry.Add(run);
        run.Start();
        // Answer once the drag runs, so that a bad start is the caller's error, not a watcher's.
        var started = await Task.WhenAny(run.Started, Task.Delay(StartWait, cancellationToken));
        if (started == run.Started && run.Started.Exception?.InnerException is { } error)
        {
            watcher.Dispose();
            if (discardOnStartFailure)
                await editor.DiscardDragAsync(plan.Key, plan.DragId, CancellationToken.None);
            throw error;
        }
        return (run, watcher);
    }

    private DragPlan Plan(SessionKey key, Protos.V1.Session session, SessionDragStart start)
    {
        var resolution = (int)session.Resolution;
        var points = start.Points.Count > 0 ? start.Points : session.Points;
        if (points.Count == 0)
            throw Invalid.Argument("start.points", "must hold at least one handle/target pair (the session has none from an earlier drag).");
        for (var i = 0; i < points.Count; i++)
        {
            CheckPoint(points[i].Handle, resolution, $"start.points[{i}].handle");
            CheckPoint(points[i].Target, resolution, $"start.points[{i}].target");
        }
        if (start.ClearMask && start.Mask is not null)
            throw Invalid.Argument("start.clear_mask", "cannot be set together with start.mask.");
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
        return new DragPlan(key, SessionIds.New(), inferenceStart, start.FrameOptions ?? new FrameOptions(), null, session.Resolution);
    }

    private static void CheckPoint(Point? point, int resolution, string field)
    {
        if (point is null)
            throw Invalid.Argument(field, "must be set.");
        if (!double.IsFinite(point.X) || !double.IsFinite(point.Y) || point.X < 0 || point.Y < 0 || point.X > resolution - 1 || point.Y > resolution - 1)
            throw Invalid.Argument(field, $"({point.X}, {point.Y}) must be finite and inside the {resolution}x{resolution} image (0..{resolution - 1}).");
    }
}
