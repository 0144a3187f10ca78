using System.Diagnostics;
using System.Threading.Channels;
using DragGan.Protos.V1;
using DragGan.Sessions.Admission;
using DragGan.Sessions.Domain;
using DragGan.Sessions.Errors;
using DragGan.Sessions.Inference;
using DragGan.Sessions.Storage;
using DragGan.Sessions.Telemetry;

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
/// The run owns the drag's commands, its lease and how it ends; its parts are the inference streams
/// (<see cref="InferenceDragStream"/>, one replica after another by <see cref="DragFailover"/>), the
/// saved progress (<see cref="DragProgress"/>), the watchers (<see cref="DragFrameFanOut"/>), the
/// checks on the session and idleness (<see cref="DragWatchdog"/>) and the commit (<see cref="DragCommitter"/>).
/// </remarks>
internal sealed class SessionDragRun : IDragControl
{
    /// <summary>Commands a drag holds before they reach its inference stream.</summary>
    public const int MaxPendingCommands = 64;

    private readonly DragPlan _plan;
    private readonly ILogger _logger;
    private readonly IDragRelay _relay;
    private readonly SessionsMetrics _metrics;
    private readonly HeldLease _lease;
    /// <summary>
    /// Client commands waiting to be forwarded. Bounded: a stream's sender waits for room (the
    /// HTTP/2 window then holds its client back), a unary call finding it full is refused.
    /// </summary>
    private readonly Channel<ClientDragCommand> _commands = Channel.CreateBounded<ClientDragCommand>(new BoundedChannelOptions(MaxPendingCommands)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });
    private readonly DragFrameFanOut _watchers;
    private readonly DragProgress _progress;
    private readonly DragWatchdog _watchdog;
    private readonly DragCommitter _committer;
    private readonly DragFailover _failover;
    private readonly TaskCompletionSource<SessionDragFrame> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _abort = new();
    private bool _discard;
    private volatile bool _handingBack;
    private volatile bool _sessionGone;

    public SessionDragRun(DragPlan plan, ActiveDrag active, HeldLease lease, SessionEditor editor, InferenceGateway inference, IDragRelay relay, SessionsOptions options, SessionsMetrics metrics, ILogger logger)
    {
        _plan = plan;
        _lease = lease;
        _relay = relay;
        _metrics = metrics;
        _logger = logger;
        _watchers = new DragFrameFanOut(plan.DragId, relay, options.Relay, logger);
        _progress = new DragProgress(plan, active, editor, logger);
        _watchdog = new DragWatchdog(plan, _progress, _watchers, editor, options.DragIdleTimeout, logger);
        _committer = new DragCommitter(plan, editor, logger);
        var stream = new InferenceDragStream(plan, inference, _commands.Reader, _progress, _watchers, options.PersistEveryKSteps, logger);
        _failover = new DragFailover(plan, inference, stream, editor, metrics);
    }

    public string DragId => _plan.DragId;

    /// <summary>The drag as the session shows it (phase, step, replica), as of the last frame.</summary>
    public ActiveDrag Active => _progress.Snapshot;

    /// <summary>The drag's last frame (committed or discarded), or its failure.</summary>
    public Task<SessionDragFrame> Completion => _completion.Task;

    /// <summary>Completes with the drag's first frame, or fails with the error that kept it from starting.</summary>
    public Task Started => _started.Task;

    /// <summary>Completes when the run has ended and given its lease back, however it ended.</summary>
    public Task Ended => _ended.Task;

    public void Start() => _ = Task.Run(RunAsync);

    /// <summary>Queues a command unless <see cref="MaxPendingCommands"/> are waiting; false when full.</summary>
    public bool TryPost(ClientDragCommand command)
    {
        NoteStop(command);
        return _commands.Writer.TryWrite(command) || _completion.Task.IsCompleted;
    }

    /// <summary>A command from another replica: queued for the inference stream, or (a frame resend) answered here.</summary>
    private bool OnRelayedCommand(RelayedDragCommand command)
    {
        if (ClientDragCommand.FromRelayed(command) is { } clientCommand)
            return TryPost(clientCommand);
        if (command.KindCase == RelayedDragCommand.KindOneofCase.ResendFrame)
            _ = _watchers.ResendNewestAsync();
        return true;
    }

    /// <summary>Queues a command, waiting for room; once the drag has ended there is nothing to queue for.</summary>
    public async ValueTask PostAsync(ClientDragCommand command, CancellationToken cancellationToken)
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
    public DragWatcher Watch() => _watchers.Watch();

    /// <summary>Clients watching now.</summary>
    public int WatcherCount => _watchers.LocalCount;

    /// <summary>Commands waiting to be forwarded.</summary>
    public int PendingCommands => _commands.Reader.Count;

    private void NoteStop(ClientDragCommand command)
    {
        _watchdog.MarkActive();
        if (command is ClientDragCommand.Stop stop)
            _discard |= stop.Discard;
    }

    Task IDragControl.SendAsync(ClientDragCommand command, CancellationToken cancellationToken) => PostAsync(command, cancellationToken).AsTask();

    /// <summary>A watcher's call ended: it no longer counts as watching the drag.</summary>
    public void Forget(ChannelReader<SessionDragFrame> watcher) => _watchers.Forget(watcher);

    private async Task RunAsync()
    {
        var outcome = "failed";
        _metrics.DragStarted();
        using var trace = SessionsTracing.StartDragRun(DragId, _plan.Start.Model);
        using var monitoring = new CancellationTokenSource();
        var watchdog = Task.CompletedTask;
        try
        {
            // Another process took the lease (this one was cut off from the store): it runs the drag now.
            using var lost = _lease.Lost.Register(HandBack);
            // Commands sent on other replicas (UpdateDrag, StopDrag) arrive here, one at a time.
            await using var commands = await _relay.SubscribeCommandsAsync(DragId, OnRelayedCommand);
            watchdog = _watchdog.RunAsync(EndForGoneSessionAsync, StopIdle, monitoring.Token);
            var final = await _failover.DriveAsync(FinishAsync, () => _started.TrySetResult(), trace, _abort.Token);
            outcome = _discard ? "discarded" : "committed";
            trace?.SetTag("draggan.steps", final.Step);
        }
        catch (Exception) when (_handingBack)
        {
            outcome = "handed_back";
            _logger.LogInformation("Drag {DragId} of session {SessionId} is handed back; it stays on the session for another replica", DragId, _plan.Key.Id);
            await EndAsync(new TemporarilyUnavailableException(
                "The session-service replica that ran the drag handed it back (it is shutting down); watch it again, or take it over, on another replica."),
                _committer.HandedBack(_progress.Step));
        }
        catch (Exception e) when (_sessionGone || IsSessionGone(e))
        {
            outcome = "session_gone";
            _logger.LogInformation("Drag {DragId} ended: session {SessionId} was deleted or has expired", DragId, _plan.Key.Id);
            await EndAsync(new DragSessionGoneException(_plan.Key.Id),
                new SessionDragFrame { SessionId = _plan.Key.Id, DragId = DragId, Discarded = true });
        }
        catch (Exception e)
        {
            trace?.SetStatus(ActivityStatusCode.Error, e.Message);
            _logger.LogWarning(e, "Drag {DragId} of session {SessionId} ended with an error", DragId, _plan.Key.Id);
            var (error, last) = await _committer.SalvageAsync(e, _discard, _progress.Step);
            await EndAsync(error, last);
        }
        finally
        {
            // Nobody forwards any more: senders waiting for room are let go.
            _commands.Writer.TryComplete();
            await monitoring.CancelAsync();
            await watchdog;
            await _lease.DisposeAsync();
            trace?.SetTag("draggan.outcome", outcome);
            _metrics.DragEnded(outcome);
            _ended.TrySetResult();
        }
    }

    /// <summary>The final frame: the drag committed (or discarded), then its watchers told.</summary>
    private async Task FinishAsync(DragFrame final)
    {
        var last = await _committer.FinishAsync(final, _discard);
        await _watchers.PublishAsync(last, last: true);
        _started.TrySetResult();
        _completion.TrySetResult(last);
        _logger.LogInformation("Drag {DragId} of session {SessionId} ended at step {Step} ({Outcome})", DragId, _plan.Key.Id, final.Step, _discard ? "discarded" : "committed");
    }

    /// <summary>Ends the run's watchers with <paramref name="error"/>, and those on other replicas with <paramref name="relayed"/>.</summary>
    private async Task EndAsync(Exception error, SessionDragFrame relayed)
    {
        var ending = _watchers.FailAsync(error, relayed);
        _started.TrySetException(error);
        _completion.TrySetException(error);
        await ending;
    }

    private async Task EndForGoneSessionAsync()
    {
        _sessionGone = true;
        await _abort.CancelAsync();
    }

    private ValueTask StopIdle(CancellationToken cancellationToken) => PostAsync(new ClientDragCommand.Stop(Discard: false), cancellationToken);

    private static bool IsSessionGone(Exception e) =>
        e is SessionNotFoundException or ReferenceNotFoundException { Field: "drag_id" };

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
