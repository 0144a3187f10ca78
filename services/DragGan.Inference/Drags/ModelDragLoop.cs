using System.Diagnostics;
using System.Threading.Channels;
using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Networks;
using DragGan.Inference.Telemetry;
using Grpc.Core;
using TorchSharp;

namespace DragGan.Inference.Drags;

/// <summary>
/// Steps every open Drag stream of one model. Each tick, under the model's gate, it applies the
/// commands the streams queued, then takes one batched step (<see cref="DragStepper"/>) of ready
/// edits, chosen by turns between tenants and then between each tenant's streams
/// (<see cref="TenantTurns"/>), so that a tenant's many streams take one tenant's share, and queues
/// each stream's frame. The batch size is learnt from the measured step times
/// (<see cref="BatchSizeTuner"/>), or <see cref="InferenceOptions.MaxBatchSize"/> when that is off. It sleeps while no
/// stream is ready and no command is queued, until the next idle stream's timeout: a stream that
/// neither steps nor hears from its client for <see cref="InferenceOptions.IdleStreamTimeout"/> is
/// ended as after a stop, so that it gives back its slot and its edit's memory.
/// </summary>
/// <remarks>
/// One edit's failure ends only its own stream. A failed batched step changes no edit, so the loop
/// ends the edits that diverged (NaN or infinite loss or gradient: FAILED_PRECONDITION with their
/// last finite state) and steps the rest again without them; a failure it cannot attribute is
/// retried one edit at a time, and only an edit that fails alone ends (INTERNAL, with its state).
/// </remarks>
internal sealed class ModelDragLoop : IAsyncDisposable
{
    /// <summary>How much longer a step may take for other tenants' edits in one tenant's batch (<see cref="MayGrow"/>).</summary>
    private const double SharedBatchSlowdown = 1.25;

    private readonly string _model;
    private readonly DragStepper _stepper;
    private readonly ModelGates _gates;
    private readonly InferenceMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxBatchSize;
    private readonly long _idleTimeoutMs;
    private readonly BatchSizeTuner? _tuner;
    private readonly IDisposable _chosenBatchSizeGauge;
    private readonly List<DragStream> _streams = [];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly TenantTurns _turns;
    private volatile bool _handingBack;

    public ModelDragLoop(string model, ImageGenerator generator, ModelGates gates, InferenceMetrics metrics, InferenceOptions options, ILogger logger)
    {
        _model = model;
        _stepper = new DragStepper(generator);
        _gates = gates;
        _metrics = metrics;
        _maxBatchSize = options.MaxBatchSize;
        _idleTimeoutMs = (long)Math.Ceiling(options.IdleStreamTimeout.TotalMilliseconds);
        _turns = new TenantTurns(gates.PassesOf(model));
        _tuner = options.AdaptiveBatchSize ? new BatchSizeTuner(options.MaxBatchSize, options.MaxStepTime) : null;
        _chosenBatchSizeGauge = metrics.TrackChosenBatchSize(model, () => _tuner?.Preferred ?? _maxBatchSize);
        _logger = logger;
        // The loop serves every call of the model: it must not run inside the span and log scope
        // of the call that happened to create it.
        using (ExecutionContext.SuppressFlow())
            _loop = Task.Run(RunAsync);
    }

    public int StreamCount
    {
        get
        {
            lock (_streams)
                return _streams.Count;
        }
    }

    public void Add(DragStream stream)
    {
        lock (_streams)
            _streams.Add(stream);
        Wake();
    }

    /// <summary>Asks for a tick soon: a command arrived or a call ended.</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>
    /// From now on every stream that is not mid-drag is handed back at the next tick; with
    /// <paramref name="all"/>, every stream is.
    /// </summary>
    public void HandBack(bool all)
    {
        _handingBack = true;
        if (all)
        {
            List<DragStream> streams;
            lock (_streams)
                streams = [.. _streams];
            foreach (var stream in streams)
                stream.Post(new DragLoopCommand.Fail(HandBackError()));
        }
        Wake();
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            List<DragStream> streams;
            lock (_streams)
                streams = [.. _streams];
            try
            {
                if (!streams.Any(s => s.Ready || s.HasCommands || s.CallAborted.IsCancellationRequested || (_handingBack && !s.Ended) || IdleTimedOut(s)))
                {
                    await SleepAsync(streams, token);
                    continue;
                }
                Retire(await _gates.RunDragTickAsync(_model, ReadyTenants, () => Tick(streams), token));
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Steps and commands fail stream by stream above; what is left is the loop's own
                // bookkeeping, after which no edit's state can be trusted: end every stream with
                // INTERNAL (their clients resume from the last state they saved) and go on serving.
                _logger.LogError(e, "A tick of model {Model}'s drag loop failed; ending its {Count} streams", _model, streams.Count);
                foreach (var stream in streams)
                    stream.End(null, new RpcException(new Status(StatusCode.Internal, "The drag engine failed; resume from the last state you received.")));
                Retire(streams);
            }
        }
    }

    /// <summary>The tenants of the streams ready to step now: the gate gives the loop its turn by theirs.</summary>
    private IReadOnlyCollection<string> ReadyTenants()
    {
        lock (_streams)
            return _streams.Where(s => s.Ready).Select(s => s.Tenant).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Until woken, or until the first idle stream's timeout when one is waiting.</summary>
    private async Task SleepAsync(List<DragStream> streams, CancellationToken token)
    {
        var waiting = streams.Where(s => !s.Ended && !s.Ready).Select(s => s.LastActiveMs).DefaultIfEmpty(long.MaxValue).Min();
        if (waiting == long.MaxValue)
        {
            await _wake.Reader.ReadAsync(token);
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(Math.Max(1, waiting + _idleTimeoutMs - Environment.TickCount64)));
        try
        {
            await _wake.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            // An idle stream's time is up: the next round ends it.
        }
    }

    private bool IdleTimedOut(DragStream stream) =>
        !stream.Ended && !stream.Ready && Environment.TickCount64 - stream.LastActiveMs >= _idleTimeoutMs;

    /// <summary>One round: commands, one batched step, frames. Returns the streams that ended.</summary>
    private List<DragStream> Tick(List<DragStream> streams)
    {
        var ended = new List<DragStream>();
        var clock = new Stopwatch();
        foreach (var stream in streams)
        {
            // A stream's commands and its final frame's render are its tenant's time on the model too.
            clock.Restart();
            ServeOutsideStep(stream, ended);
            _turns.Bill(stream.Tenant, clock.Elapsed);
        }

        var batch = NextBatch(streams);
        if (batch.Count > 0)
            Step(batch);
        return ended;
    }

    /// <summary>A stream's queued commands, hand-back and idle timeout; adds it to <paramref name="ended"/> when it ended.</summary>
    private void ServeOutsideStep(DragStream stream, List<DragStream> ended)
    {
        if (!stream.Ended && !stream.CallAborted.IsCancellationRequested)
        {
            try
            {
                ApplyCommands(stream);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Applying the commands of drag stream {StreamId} on model {Model} failed; ending it", stream.Id, _model);
                Fail(stream, EngineFailure());
            }
        }
        if (_handingBack && !stream.Ended && !stream.Ready)
            stream.End(HandBackFrame(stream), HandBackError());
        if (IdleTimedOut(stream) && !stream.CallAborted.IsCancellationRequested)
        {
            _logger.LogInformation("Drag stream {StreamId} of session {SessionId} was idle for {Seconds:0.#} s: it ends as after a stop",
                stream.Id, stream.SessionId, _idleTimeoutMs / 1000.0);
            Finish(stream);
        }
        if (stream.Ended || stream.CallAborted.IsCancellationRequested)
            ended.Add(stream);
    }

    private void ApplyCommands(DragStream stream)
    {
        while (!stream.Ended && stream.TryTakeCommand(out var command))
        {
            stream.MarkActive();
            // Counted before its frames are made, so that they report it. A failure ends the stream.
            if (command is not DragLoopCommand.Fail)
                stream.CommandsApplied++;
            switch (command)
            {
                case DragLoopCommand.Update update:
                    try
                    {
                        update.Plan.ApplyTo(stream);
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
                    {
                        // Nothing of the update applied: hand the unchanged state back with the error.
                        stream.End(stream.StateFrame(withState: true), e);
                    }
                    break;
                case DragLoopCommand.Pause:
                    stream.Edit.Paused = true;
                    stream.Publish(stream.StateFrame(withState: true));
                    break;
                case DragLoopCommand.Unpause:
                    stream.Edit.Paused = false;
                    break;
                case DragLoopCommand.Stop:
                    Finish(stream);
                    break;
                case DragLoopCommand.Fail fail:
                    var frame = stream.StateFrame(withState: true);
                    frame.Frame.HandedBack = fail.Error is RpcException { StatusCode: StatusCode.Unavailable };
                    stream.End(frame, fail.Error);
                    break;
            }
        }
    }

    /// <summary>The final frame (state and image), then the end of the stream with OK.</summary>
    private static void Finish(DragStream stream)
    {
        var final = stream.StateFrame(withState: true, Render(stream.Edit));
        final.Frame.Final = true;
        stream.End(final);
    }

    /// <summary>Up to the batch size of ready streams, by turns between tenants and then their streams.</summary>
    private List<DragStream> NextBatch(List<DragStream> streams)
    {
        var ready = streams.Where(s => s.Ready).ToList();
        var size = _tuner?.Choose(ready.Count) ?? _maxBatchSize;
        return _turns.Choose(ready, s => s.Tenant, size, MayGrow);
    }

    /// <summary>
    /// Whether a batch that held <paramref name="soloSize"/> edits of one tenant may grow to
    /// <paramref name="size"/> with another tenant's: where the measured step times say that slows the
    /// step by at most <see cref="SharedBatchSlowdown"/> (on a GPU, batching is nearly free; on a CPU, a
    /// step's time grows with its edits, and the first tenant's step would wait for the others').
    /// A size not measured yet may (the tuner learns it); with a fixed batch size, always.
    /// </summary>
    private bool MayGrow(int soloSize, int size) =>
        _tuner is null || _tuner.StepTime(size) is not { } grown || _tuner.StepTime(soloSize) is not { } solo || grown <= solo * SharedBatchSlowdown;

    /// <summary>One batched step; a failing edit ends alone and the rest are stepped again without it.</summary>
    private void Step(List<DragStream> batch)
    {
        IReadOnlyList<DragStepResult> results;
        TimeSpan stepTime;
        try
        {
            (results, stepTime) = StepEdits(batch);
        }
        catch (DragDivergedException e)
        {
            foreach (var index in e.EditIndices)
                Fail(batch[index], Diverged(batch[index]));
            var rest = batch.Where((_, i) => !e.EditIndices.Contains(i)).ToList();
            if (rest.Count > 0)
                Step(rest);
            return;
        }
        catch (Exception e) when (batch.Count > 1)
        {
            _logger.LogWarning(e, "A batched drag step of {Count} edits on model {Model} failed; stepping them one at a time", batch.Count, _model);
            foreach (var stream in batch)
                Step([stream]);
            return;
        }
        catch (Exception e)
        {
            _logger.LogError(e, "The drag step of stream {StreamId} on model {Model} failed; ending it", batch[0].Id, _model);
            Fail(batch[0], EngineFailure());
            return;
        }

        // Each edit's tenant pays an equal part of the batched step, and its own frame.
        var stepPart = stepTime / batch.Count;
        var clock = new Stopwatch();
        for (var i = 0; i < batch.Count; i++)
        {
            using var result = results[i];
            var stream = batch[i];
            stream.MarkActive();
            clock.Restart();
            try
            {
                RgbImage? image = null;
                if (result.Image is not null)
                    image = ImageCodec.ToRgb(result.Image);
                else if (result.Finished)
                    image = Render(stream.Edit);
                stream.Publish(stream.StepFrame(result, image));
            }
            catch (Exception e)
            {
                _logger.LogError(e, "The frame of drag stream {StreamId} on model {Model} failed; ending it", stream.Id, _model);
                Fail(stream, EngineFailure());
            }
            _turns.Settle(stream.Tenant, stepPart + clock.Elapsed);
        }
    }

    /// <summary>The batch's step, and how long it took.</summary>
    private (IReadOnlyList<DragStepResult> Results, TimeSpan Elapsed) StepEdits(List<DragStream> batch)
    {
        var edits = batch.Select(s => s.Edit).ToArray();
        // The frame that ends a drag at its step limit is known in advance and carries an image;
        // one that ends by converging gets its image rendered afterwards (once per drag).
        var render = batch.Select(s => s.Frames.ImageDue(s.Edit.Step + 1) || s.Edit.Step + 1 >= s.Edit.Parameters.MaxSteps).ToArray();
        using var trace = InferenceTracing.StartBatchStep(_model, batch);
        var clock = Stopwatch.StartNew();
        var results = _stepper.Step(edits, render);
        var elapsed = clock.Elapsed;
        _tuner?.Record(batch.Count, elapsed);
        _metrics.StepTaken(StreamKinds.Drag, _model, batch.Count, elapsed);
        trace?.SetTag("draggan.step_seconds", elapsed.TotalSeconds);
        return (results, elapsed);
    }

    /// <summary>Ends the stream with its current state (a failed step changed nothing) and the error.</summary>
    private void Fail(DragStream stream, RpcException error)
    {
        PendingFrame? state = null;
        try
        {
            state = stream.StateFrame(withState: true);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "The state of drag stream {StreamId} could not be read", stream.Id);
        }
        stream.End(state, error);
    }

    private static RpcException Diverged(DragStream stream) => new(new Status(StatusCode.FailedPrecondition,
        $"The edit diverged at step {stream.Edit.Step + 1}: its loss or gradient is not finite (NaN or infinity), so the step was not taken. " +
        $"The last frame carries its state at step {stream.Edit.Step}; lower parameters.learning_rate or the weights, or start from another latent."));

    private static RpcException EngineFailure() => new(new Status(StatusCode.Internal,
        "The drag engine failed on this edit; the last frame carries its state: resume it from there."));

    /// <summary>The image of the edit's current latent (for frames that end a drag or a stream).</summary>
    private static RgbImage Render(DragEdit edit) => edit.RenderCurrent();

    private static PendingFrame HandBackFrame(DragStream stream)
    {
        var frame = stream.StateFrame(withState: true);
        frame.Frame.HandedBack = true;
        return frame;
    }

    private static RpcException HandBackError() => new(new Status(StatusCode.Unavailable,
        "This replica is shutting down; the last frame carries the edit's state: resume it on another replica."));

    private void Retire(List<DragStream> finished)
    {
        if (finished.Count == 0)
            return;
        lock (_streams)
        {
            foreach (var stream in finished)
                _streams.Remove(stream);
        }
        foreach (var stream in finished)
        {
            stream.End(null, new OperationCanceledException("The call ended."));
            stream.Dispose();
            _logger.LogDebug("Drag stream {StreamId} of session {SessionId} left model {Model}'s loop", stream.Id, stream.SessionId, _model);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        List<DragStream> streams;
        lock (_streams)
            streams = [.. _streams];
        Retire(streams);
        _chosenBatchSizeGauge.Dispose();
        _stopping.Dispose();
    }
}
