using System.Diagnostics;
using System.Threading.Channels;
using DragGan.Contracts;
using DragGan.Protos.V1;
using DragGan.Sessions.Admission;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Telemetry;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace DragGan.Sessions.Drags;

/// <summary>
/// One drag of a session, run by this process against the inference replicas. It opens a Drag
/// stream on the least loaded healthy replica, forwards the client's commands, persists the
/// resumable state the frames carry (every <see cref="SessionsOptions.PersistEveryKSteps"/> steps
/// and whenever a drag ends, pauses or is handed back) with the session, and publishes each frame
/// to its watchers. When the replica fails or drains, it resumes the edit from the last persisted
/// state on another replica and replays the commands sent since, so the client sees a short pause
/// and a frame marked <c>resumed</c>. A stop commits the drag to the session's history (or discards it).
/// </summary>
/// <remarks>
/// The run holds the drag's lease (<see cref="TenantAdmission"/>) from start to end, so no other
/// process runs the drag meanwhile, and it gives the drag back however it ends: a run that fails
/// for good commits the last saved state (or drops a drag that saved none), so that the session is
/// usable again; a run whose session is deleted or expires ends without a commit; a run handed back
/// (shutdown) leaves the drag and its state on the session for another replica to take over. A
/// drag that takes no step, has no watcher and gets no command for
/// <see cref="SessionsOptions.DragIdleTimeout"/> is stopped and committed, giving back its inference slot.
/// </remarks>
internal sealed class SessionDragRun : IDragControl
{
    /// <summary>Commands a drag holds before they reach its inference stream.</summary>
    public const int MaxPendingCommands = 64;

    private const int MaxReplicaAttempts = 6;
    private static readonly TimeSpan NoReplicaRetry = TimeSpan.FromMilliseconds(500);

    private readonly DragPlan _plan;
    private readonly SessionEditor _editor;
    private readonly InferenceReplicaSet _replicas;
    private readonly ILogger _logger;
    private readonly IDragRelay _relay;
    private readonly RelayedFramePublisher _relayed;
    private readonly SessionsMetrics _metrics;
    private readonly int _persistEvery;
    /// <summary>
    /// Client commands waiting to be forwarded. Bounded: a stream's sender waits for room (the
    /// HTTP/2 window then holds its client back), a unary call finding it full is refused.
    /// </summary>
    private readonly Channel<DragCommand> _commands = Channel.CreateBounded<DragCommand>(new BoundedChannelOptions(MaxPendingCommands)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly DragWatchers _watchers = new();
    private readonly TaskCompletionSource<SessionDragFrame> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _abort = new();
    private readonly HeldLease _lease;
    private readonly TimeSpan _idleTimeout;
    private ActiveDrag _active;
    private bool _discard;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastActiveMs = Environment.TickCount64;
    private DateTimeOffset? _expiresAt;
    private volatile bool _handingBack;
    private volatile bool _sessionGone;

    public SessionDragRun(DragPlan plan, ActiveDrag active, HeldLease lease, SessionEditor editor, InferenceReplicaSet replicas, IDragRelay relay, SessionsOptions options, SessionsMetrics metrics, ILogger logger)
    {
        _lease = lease;
        _idleTimeout = options.DragIdleTimeout;
        _metrics = metrics;
        _relay = relay;
        _relayed = new RelayedFramePublisher(relay, plan.DragId, options.Relay, logger);
        _plan = plan;
        _active = active.Clone();
        _editor = editor;
        _replicas = replicas;
        _logger = logger;
        _persistEvery = options.PersistEveryKSteps;
    }

    public string DragId => _plan.DragId;

    /// <summary>The drag as the session shows it (phase, step, replica), as of the last frame.</summary>
    public ActiveDrag Active => _active.Clone();

    /// <summary>The drag's last frame (committed or discarded), or its failure.</summary>
    public Task<SessionDragFrame> Completion => _completion.Task;

    /// <summary>Completes with the drag's first frame, or fails with the error that kept it from starting.</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the run has ended and given its lease back, however it ended.</summary>
    public Task Ended => _ended.Task;

    public void Start() => _ = Task.Run(RunAsync);

    /// <summary>The frame to every watcher here and, through the relay, to those on the other replicas (<see cref="RelayedFramePublisher"/>).</summary>
    private async Task PublishAsync(SessionDragFrame frame, bool last)
    {
        if (last)
            _watchers.Complete(frame);
        else
            _watchers.Publish(frame);
        try
        {
            await _relayed.PublishAsync(frame, last);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Watchers elsewhere miss a frame; the drag and its persisted state are unaffected.
            _logger.LogWarning(e, "Drag {DragId}: a frame could not be relayed", DragId);
        }
    }

    /// <summary>Queues a command unless <see cref="MaxPendingCommands"/> are waiting; false when full.</summary>
    public bool TryPost(DragCommand command)
    {
        NoteStop(command);
        return _commands.Writer.TryWrite(command) || _completion.Task.IsCompleted;
    }

    /// <summary>Queues a command, waiting for room; once the drag has ended there is nothing to queue for.</summary>
    public async ValueTask PostAsync(DragCommand command, CancellationToken cancellationToken)
    {
        NoteStop(command);
        try
        {
            await _commands.Writer.WriteAsync(command, cancellationToken);
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>Frames from now on, newest winning for a slow watcher; the last one is always delivered. Dispose it to stop watching.</summary>
    public DragWatcher Watch() => _watchers.Add();

    /// <summary>Clients watching now.</summary>
    public int WatcherCount => _watchers.Count;

    /// <summary>Commands waiting to be forwarded.</summary>
    public int PendingCommands => _commands.Reader.Count;

    private void NoteStop(DragCommand command)
    {
        MarkActive();
        if (command is DragCommand.Stop stop)
            _discard |= stop.Discard;
    }

    Task IDragControl.SendAsync(DragCommand command, CancellationToken cancellationToken) => PostAsync(command, cancellationToken).AsTask();

    /// <summary>A watcher's call ended: it no longer counts as watching the drag.</summary>
    public void Forget(ChannelReader<SessionDragFrame> watcher) => _watchers.Remove(watcher);

    private async Task RunAsync()
    {
        var outcome = "failed";
        _metrics.DragStarted();
        using var trace = SessionsTracing.StartDragRun(DragId, _plan.Start.Model);
        using var monitoring = new CancellationTokenSource();
        var monitor = Task.CompletedTask;
        try
        {
            // Another process took the lease (this one was cut off from the store): it runs the drag now.
            using var lost = _lease.Lost.Register(HandBack);
            // Commands sent on other replicas (UpdateDrag, StopDrag) arrive here, one at a time.
            await using var commands = await _relay.SubscribeCommandsAsync(DragId,
                command => TryPost(DragCommand.FromRelayed(command)));
            monitor = MonitorAsync(monitoring.Token);
            var final = await DriveAsync(trace);
            outcome = _discard ? "discarded" : "committed";
            trace?.SetTag("draggan.steps", final.Step);
        }
        catch (Exception) when (_handingBack)
        {
            outcome = "handed_back";
            _logger.LogInformation("Drag {DragId} of session {SessionId} is handed back; it stays on the session for another replica", DragId, _plan.Key.Id);
            await EndAsync(new RpcException(new Status(StatusCode.Unavailable,
                "The session-service replica that ran the drag handed it back (it is shutting down); watch it again, or take it over, on another replica.")),
                HandedBackFrame());
        }
        catch (Exception e) when (_sessionGone || IsSessionGone(e))
        {
            outcome = "session_gone";
            _logger.LogInformation("Drag {DragId} ended: session {SessionId} was deleted or has expired", DragId, _plan.Key.Id);
            await EndAsync(new RpcException(new Status(StatusCode.NotFound, $"Session '{_plan.Key.Id}' was deleted or has expired; its drag ended.")),
                new SessionDragFrame { SessionId = _plan.Key.Id, DragId = DragId, Discarded = true });
        }
        catch (Exception e)
        {
            trace?.SetStatus(ActivityStatusCode.Error, e.Message);
            _logger.LogWarning(e, "Drag {DragId} of session {SessionId} ended with an error", DragId, _plan.Key.Id);
            var (error, last) = await SalvageAsync(e);
            await EndAsync(error, last);
        }
        finally
        {
            // Nobody forwards any more: senders waiting for room are let go.
            _commands.Writer.TryComplete();
            await monitoring.CancelAsync();
            await monitor;
            await _lease.DisposeAsync();
            trace?.SetTag("draggan.outcome", outcome);
            _metrics.DragEnded(outcome);
            _ended.TrySetResult();
        }
    }

    /// <summary>The inference streams of the drag, one replica after another, until it is stopped; returns its final frame.</summary>
    private async Task<DragFrame> DriveAsync(Activity? trace)
    {
        var state = _plan.ResumeFrom;
        var replay = new CommandReplay();
        var failed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var resumed = false;
        RpcException? lastError = null;
        for (var attempt = 0; ; attempt++)
        {
            trace?.SetTag("draggan.failovers", attempt);
            var replica = await PickReplicaAsync(failed, attempt, lastError);
            trace?.SetTag("draggan.replica", replica.Address);
            var reason = "failed";
            try
            {
                var end = await StreamAsync(replica, state, replay, resumed);
                if (end.Final is { } final)
                {
                    await FinishAsync(final);
                    return final;
                }
                // Handed back (the replica drains): continue elsewhere from the state it handed back.
                state = end.State ?? state;
                reason = "handed_back";
            }
            catch (RpcException e) when (IsReplicaFailure(e) && !_abort.IsCancellationRequested)
            {
                // A full replica is a healthy one: only this drag looks elsewhere.
                if (e.StatusCode == StatusCode.ResourceExhausted)
                    reason = "replica_full";
                else
                    _replicas.ReportFailure(replica, e);
                lastError = e;
            }
            catch (IOException e)
            {
                _replicas.ReportFailure(replica, e);
            }
            failed.Add(replica.Address);
            state = await LatestStateAsync() ?? state;
            resumed = true;
            _metrics.DragResumed(reason);
        }
    }

    /// <summary>Ends the run's watchers with <paramref name="error"/>, and those on other replicas with <paramref name="relayed"/>.</summary>
    private async Task EndAsync(Exception error, SessionDragFrame relayed)
    {
        _watchers.Fail(error);
        _started.TrySetException(error);
        _completion.TrySetException(error);
        try
        {
            await _relay.PublishFrameAsync(DragId, relayed);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning(e, "Drag {DragId}: its end could not be relayed", DragId);
        }
    }

    /// <summary>
    /// The run failed for good: commits the last saved state (what clients saw, up to the last
    /// <see cref="SessionsOptions.PersistEveryKSteps"/> steps), or drops a drag that saved none, so
    /// that the session is usable again. Returns the error for the run's watchers and the last frame
    /// for those on other replicas.
    /// </summary>
    private async Task<(Exception Error, SessionDragFrame Last)> SalvageAsync(Exception failure)
    {
        var dropped = new SessionDragFrame { SessionId = _plan.Key.Id, DragId = DragId, Discarded = true };
        try
        {
            var stored = (await _editor.GetAsync(_plan.Key, CancellationToken.None)).Value;
            if (stored.Session.ActiveDrag?.DragId != DragId)
                return (failure, dropped);
            if (_discard || stored.DragState is not { } state)
            {
                var record = await _editor.DiscardDragAsync(_plan.Key, DragId, CancellationToken.None);
                dropped.Session = SessionViews.Project(record, SessionView.Standard);
                return (failure, dropped);
            }
            var result = await _editor.CommitDragAsync(_plan.Key, Committed(state, state.Step, DragOutcome.Stopped), CancellationToken.None);
            var status = failure is RpcException rpc ? rpc.Status : new Status(StatusCode.Internal, "The drag failed.");
            var error = new RpcException(new Status(status.StatusCode,
                $"{status.Detail} The drag's last saved state (step {state.Step}) is committed as history entry {result.EntryId}."));
            var last = new SessionDragFrame
            {
                Frame = new DragFrame { Step = state.Step, Final = true },
                SessionId = _plan.Key.Id,
                DragId = DragId,
                CommittedEntryId = result.EntryId,
                Session = SessionViews.Project(result.Session, SessionView.Standard),
            };
            return (error, last);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogWarning(e, "Drag {DragId} of session {SessionId} could not be ended after its failure; it stays on the session to be taken over or stopped", DragId, _plan.Key.Id);
            return (failure, HandedBackFrame());
        }
    }

    private CommittedDrag Committed(DragState state, uint steps, DragOutcome outcome) => new(DragId, state.Latent,
        state.Handles.Select(h => new PointPair { Handle = h.Handle, Target = h.Target }).ToList(), state.Mask, state.Parameters, steps, outcome);

    /// <summary>Tells watchers on other replicas that this replica no longer runs the drag (a replica that takes it over goes on).</summary>
    private SessionDragFrame HandedBackFrame() => new()
    {
        Frame = new DragFrame { Step = _active.Step, HandedBack = true },
        SessionId = _plan.Key.Id,
        DragId = DragId,
    };

    /// <summary>
    /// Every few seconds while the run lasts: ends it when its session is gone (deleted, expired) or
    /// the drag is no longer the session's, and stops it as a client would when it has been idle.
    /// </summary>
    private async Task MonitorAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Clamp(_idleTimeout.TotalMilliseconds / 4, 50, 5000));
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    if (!await SessionStillHasTheDragAsync(cancellationToken))
                    {
                        _sessionGone = true;
                        await _abort.CancelAsync();
                        return;
                    }
                    if (await IdleAsync())
                    {
                        _logger.LogInformation("Drag {DragId} of session {SessionId} sat idle for {Idle}: it is stopped and committed", DragId, _plan.Key.Id, _idleTimeout);
                        await PostAsync(new DragCommand.Stop(Discard: false), cancellationToken);
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The store is out of reach: look again at the next tick.
                    _logger.LogDebug(e, "Drag {DragId}: could not check its session", DragId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Whether the session still exists with this drag active. Read from the store only once the
    /// session's expiry (as of the run's last write) has passed: every other change to a session
    /// with a drag is the run's own, and a delete ends the drag directly.
    /// </summary>
    private async Task<bool> SessionStillHasTheDragAsync(CancellationToken cancellationToken)
    {
        if (_expiresAt is { } expires && DateTimeOffset.UtcNow < expires)
            return true;
        var record = await _editor.FindAsync(_plan.Key, cancellationToken);
        if (record?.Value.Session.ActiveDrag?.DragId != DragId)
            return false;
        _expiresAt = record.Value.Session.ExpireTime?.ToDateTimeOffset();
        return true;
    }

    /// <summary>Not stepping, no command and nobody watching (here or on another replica) for the idle timeout.</summary>
    private async Task<bool> IdleAsync()
    {
        if (_active.Phase is not (DragPhase.Paused or DragPhase.Converged or DragPhase.StepLimitReached))
        {
            MarkActive();
            return false;
        }
        if (_watchers.Count > 0 || await _relay.HasWatchersAsync(DragId))
            MarkActive();
        return Environment.TickCount64 - Interlocked.Read(ref _lastActiveMs) >= _idleTimeout.TotalMilliseconds;
    }

    private void MarkActive() => Interlocked.Exchange(ref _lastActiveMs, Environment.TickCount64);

    private static bool IsSessionGone(Exception e) =>
        e is SessionNotFoundException || (e is RpcException { StatusCode: StatusCode.NotFound } rpc && rpc.Status.Detail.StartsWith("drag_id", StringComparison.Ordinal));

    /// <summary>One inference stream: from the start or a state to its final frame, a hand-back, or a failure.</summary>
    private async Task<(DragFrame? Final, DragState? State)> StreamAsync(InferenceReplica replica, DragState? state, CommandReplay replay, bool resumed)
    {
        using var trace = SessionsTracing.StartInferenceStream(replica.Address, _plan.Start.Model, resumed);
        try
        {
            var end = await ReadStreamAsync(replica, state, replay, resumed);
            trace?.SetTag("draggan.handed_back", end.Final is null);
            return end;
        }
        catch (Exception e)
        {
            trace?.SetStatus(ActivityStatusCode.Error, e.Message);
            throw;
        }
    }

    private async Task<(DragFrame? Final, DragState? State)> ReadStreamAsync(InferenceReplica replica, DragState? state, CommandReplay replay, bool resumed)
    {
        using var load = replica.TrackDrag();
        // The tenant goes with the call, so that the inference service shares its GPU by tenant.
        using var call = replica.Client.Drag(new Metadata { { TenantMetadata.Header, _plan.Key.Tenant } }, cancellationToken: _abort.Token);
        var frames = InferenceFrames();
        await call.RequestStream.WriteAsync(state is null
            ? new DragRequest { Start = WithFrames(_plan.Start, frames) }
            : new DragRequest { Resume = new DragResume { State = state, FrameOptions = frames, SessionId = _plan.Key.Id } });
        foreach (var command in replay.BeginStream())
            await call.RequestStream.WriteAsync(command.ToInference());
        _active.Replica = replica.Name;
        _active.Phase = DragPhase.Running;
        _logger.LogInformation("Drag {DragId} of session {SessionId} {Verb} on {Replica} ({ReplicaName})",
            DragId, _plan.Key.Id, state is null ? "starts" : "resumes", replica.Address, replica.Name);

        using var forwarding = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token);
        var forward = ForwardCommandsAsync(call.RequestStream, replay, forwarding.Token);
        try
        {
            await foreach (var frame in call.ResponseStream.ReadAllAsync(_abort.Token))
            {
                UpdateActive(frame);
                if (frame.State is not null)
                {
                    // Persisted before it is published: whatever a client has seen can be resumed.
                    var record = await _editor.RecordDragProgressAsync(_plan.Key, _active, frame.State, CancellationToken.None);
                    _expiresAt = record.Value.Session.ExpireTime?.ToDateTimeOffset();
                    replay.Confirm(frame.CommandsApplied);
                }
                if (frame.Image is not null
                    && !await _editor.AppendDragFrameAsync(_plan.Key, DragId, frame.Step, frame.Image, _plan.Resolution, CancellationToken.None))
                    _logger.LogDebug("Drag {DragId}: frame {Step} not kept for export, the tenant's frame budget is full", DragId, frame.Step);
                if (frame.HandedBack)
                    return (null, frame.State);
                if (frame.Final)
                    return (frame, frame.State);
                await PublishAsync(new SessionDragFrame { Frame = ForClient(frame), SessionId = _plan.Key.Id, DragId = DragId, Resumed = resumed }, last: false);
                _started.TrySetResult();
                resumed = false;
            }
            throw new RpcException(new Status(StatusCode.Unavailable, $"The inference replica {replica.Address} ended the drag without a final frame."));
        }
        finally
        {
            await forwarding.CancelAsync();
            await forward;
        }
    }

    /// <summary>Client commands to the inference stream; each is kept for replay until a persisted state covers it.</summary>
    private async Task ForwardCommandsAsync(IClientStreamWriter<DragRequest> requests, CommandReplay replay, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var command in _commands.Reader.ReadAllAsync(cancellationToken))
            {
                replay.Sending(command);
                await requests.WriteAsync(command.ToInference(), cancellationToken);
                if (command is DragCommand.Stop)
                    return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or InvalidOperationException or IOException)
        {
            // The stream failed or ended; the main loop decides what happens next.
        }
    }

    private async Task FinishAsync(DragFrame final)
    {
        var finalState = final.State ?? throw new RpcException(new Status(StatusCode.Internal, "The final frame carried no state."));
        var last = new SessionDragFrame { Frame = ForClient(final), SessionId = _plan.Key.Id, DragId = DragId };
        if (_discard)
        {
            var record = await _editor.DiscardDragAsync(_plan.Key, DragId, CancellationToken.None);
            last.Discarded = true;
            last.Session = SessionViews.Project(record, SessionView.Standard);
        }
        else
        {
            var outcome = final.Converged ? DragOutcome.Converged : final.StepLimitReached ? DragOutcome.StepLimitReached : DragOutcome.Stopped;
            var result = await _editor.CommitDragAsync(_plan.Key, Committed(finalState, final.Step, outcome), CancellationToken.None);
            last.CommittedEntryId = result.EntryId;
            last.Session = SessionViews.Project(result.Session, SessionView.Standard);
        }
        await PublishAsync(last, last: true);
        _started.TrySetResult();
        _completion.TrySetResult(last);
        _logger.LogInformation("Drag {DragId} of session {SessionId} ended at step {Step} ({Outcome})", DragId, _plan.Key.Id, final.Step, _discard ? "discarded" : "committed");
    }

    private async Task<InferenceReplica> PickReplicaAsync(HashSet<string> failed, int attempt, RpcException? lastError)
    {
        for (var wait = 0; ; wait++)
        {
            if (attempt >= MaxReplicaAttempts && lastError?.StatusCode == StatusCode.ResourceExhausted)
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    "Every inference replica tried serves its maximum of streams; the drag's last state is saved with the session: retry later."));
            if (attempt >= MaxReplicaAttempts)
                throw new RpcException(new Status(StatusCode.Unavailable, $"The drag failed on {attempt} inference replicas."));
            var candidates = await _replicas.CandidatesAsync(failed, _abort.Token, _plan.Start.Model);
            if (candidates.Count > 0)
                return candidates[0];
            // Every known replica failed this drag: give them all another chance after a pause.
            failed.Clear();
            if (wait >= 10)
                throw new RpcException(new Status(StatusCode.Unavailable, "No inference replica is available."));
            await Task.Delay(NoReplicaRetry, _abort.Token);
        }
    }

    private async Task<DragState?> LatestStateAsync()
    {
        var record = await _editor.GetAsync(_plan.Key, CancellationToken.None);
        return record.Value.Session.ActiveDrag?.DragId == DragId ? record.Value.DragState : null;
    }

    /// <summary>The client's frame options, with the state every <see cref="_persistEvery"/> steps for persisting.</summary>
    private FrameOptions InferenceFrames()
    {
        var frames = _plan.ClientFrames.Clone();
        if (frames.LatentEveryKSteps == 0 || frames.LatentEveryKSteps > _persistEvery)
            frames.LatentEveryKSteps = (uint)_persistEvery;
        return frames;
    }

    private static DragStart WithFrames(DragStart start, FrameOptions frames)
    {
        var copy = start.Clone();
        copy.FrameOptions = frames;
        return copy;
    }

    /// <summary>
    /// The frame as the client asked for it: never the state or the inference stream's command
    /// count, the latent at the client's interval or at the end.
    /// </summary>
    private DragFrame ForClient(DragFrame frame)
    {
        var copy = frame.Clone();
        copy.State = null;
        copy.CommandsApplied = 0;
        var every = _plan.ClientFrames.LatentEveryKSteps;
        var ends = frame.Converged || frame.StepLimitReached || frame.Paused || frame.Final;
        if (!ends && (every == 0 || frame.Step % every != 0))
            copy.Latent = null;
        return copy;
    }

    private void UpdateActive(DragFrame frame)
    {
        var active = _active.Clone();
        active.Step = frame.Step;
        active.Phase = frame.Paused ? DragPhase.Paused
            : frame.Converged ? DragPhase.Converged
            : frame.StepLimitReached ? DragPhase.StepLimitReached
            : DragPhase.Running;
        active.UpdateTime = Timestamp.FromDateTime(DateTime.UtcNow);
        active.Points.Clear();
        active.Points.AddRange(frame.Handles.Zip(frame.Targets, (h, t) => new PointPair { Handle = h, Target = t }));
        _active = active;
    }

    /// <summary>Statuses of a replica that died, drained or broke, after which another replica can continue.</summary>
    private static bool IsReplicaFailure(RpcException e) => e.StatusCode is StatusCode.Unavailable or StatusCode.Internal
        or StatusCode.Unknown or StatusCode.ResourceExhausted or StatusCode.Aborted or StatusCode.DeadlineExceeded
        or StatusCode.Cancelled;

    /// <summary>
    /// Ends the run without a commit (the process is shutting down): the inference stream closes,
    /// the lease is given back, and the drag with its last saved state stays on the session.
    /// </summary>
    public void HandBack()
    {
        _handingBack = true;
        _abort.Cancel();
    }

    /// <summary>The session was deleted: the run ends without a commit.</summary>
    public void EndForDeletedSession()
    {
        _sessionGone = true;
        _abort.Cancel();
    }
}
