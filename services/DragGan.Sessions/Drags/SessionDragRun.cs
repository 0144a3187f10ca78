using System.Diagnostics;
using System.Threading.Channels;
using DragGan.Protos.V1;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Inference;
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
internal sealed class SessionDragRun
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
    private ActiveDrag _active;
    private bool _discard;

    public SessionDragRun(DragPlan plan, ActiveDrag active, SessionEditor editor, InferenceReplicaSet replicas, IDragRelay relay, SessionsOptions options, SessionsMetrics metrics, ILogger logger)
    {
        _metrics = metrics;
        _relay = relay;
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

    public void Start() => _ = Task.Run(RunAsync);

    /// <summary>The frame to every watcher here and, through the relay, on the other replicas.</summary>
    private async Task PublishAsync(SessionDragFrame frame, bool last)
    {
        if (last)
            _watchers.Complete(frame);
        else
            _watchers.Publish(frame);
        try
        {
            await _relay.PublishFrameAsync(DragId, frame);
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
        if (command is DragCommand.Stop stop)
            _discard |= stop.Discard;
    }

    private async Task RunAsync()
    {
        // Commands sent on other replicas (UpdateDrag, StopDrag) arrive here.
        await using var commands = await _relay.SubscribeCommandsAsync(DragId,
            command => PostAsync(DragCommand.FromRelayed(command), CancellationToken.None).AsTask());
        var state = _plan.ResumeFrom;
        var replay = new CommandReplay();
        var failed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var resumed = false;
        RpcException? lastError = null;
        using var trace = SessionsTracing.StartDragRun(DragId, _plan.Start.Model);
        _metrics.DragStarted();
        try
        {
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
                        _metrics.DragEnded(_discard ? "discarded" : "committed");
                        trace?.SetTag("draggan.outcome", _discard ? "discarded" : "committed");
                        trace?.SetTag("draggan.steps", final.Step);
                        return;
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
        catch (Exception e)
        {
            trace?.SetStatus(ActivityStatusCode.Error, e.Message);
            _metrics.DragEnded("failed");
            _logger.LogWarning(e, "Drag {DragId} of session {SessionId} ended with an error", DragId, _plan.Key.Id);
            _watchers.Fail(e);
            _started.TrySetException(e);
            _completion.TrySetException(e);
        }
        finally
        {
            // Nobody forwards any more: senders waiting for room are let go.
            _commands.Writer.TryComplete();
        }
    }

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
        using var call = replica.Client.Drag(cancellationToken: _abort.Token);
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
                    await _editor.RecordDragProgressAsync(_plan.Key, _active, frame.State, CancellationToken.None);
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
            var points = finalState.Handles.Select(h => new PointPair { Handle = h.Handle, Target = h.Target }).ToList();
            var outcome = final.Converged ? DragOutcome.Converged : final.StepLimitReached ? DragOutcome.StepLimitReached : DragOutcome.Stopped;
            var result = await _editor.CommitDragAsync(_plan.Key,
                new CommittedDrag(DragId, finalState.Latent, points, finalState.Mask, finalState.Parameters, final.Step, outcome), CancellationToken.None);
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
                throw new RpcException(new Status(StatusCode.Unavailable, $"The drag failed on {attempt} inference replicas; its last state is saved with the session."));
            var candidates = await _replicas.CandidatesAsync(failed, _abort.Token, _plan.Start.Model);
            if (candidates.Count > 0)
                return candidates[0];
            // Every known replica failed this drag: give them all another chance after a pause.
            failed.Clear();
            if (wait >= 10)
                throw new RpcException(new Status(StatusCode.Unavailable, "No inference replica is available; the drag's last state is saved with the session."));
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

    /// <summary>Ends the run without a commit (the process is shutting down); the state stays with the session.</summary>
    public void Abandon() => _abort.Cancel();
}
