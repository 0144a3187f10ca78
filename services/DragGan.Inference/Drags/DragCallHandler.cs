using System.Diagnostics;
using DragGan.Contracts;
using DragGan.Engine.Models;
using DragGan.Inference.Services;
using DragGan.Inference.Streaming;
using DragGan.Inference.Telemetry;
using DragGan.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace DragGan.Inference.Drags;

/// <summary>
/// Serves one Drag call: admits it, reads the opening message, creates the edit under the model's
/// gate, hands it to the model's loop, then relays requests to the loop as commands and the loop's
/// frames to the client until the stream ends.
/// </summary>
internal sealed class DragCallHandler(
    IModelRegistry registry,
    ModelGates gates,
    DragScheduler scheduler,
    StreamAdmission admission,
    InferenceMetrics metrics,
    IOptions<InferenceOptions> options,
    ILogger<DragCallHandler> logger)
{
    public async Task RunAsync(IAsyncStreamReader<DragRequest> requests, IServerStreamWriter<DragFrame> responses, ServerCallContext context)
    {
        using var opened = await admission.OpenAsync(StreamKinds.Drag, requests, "a start or resume", context.CancellationToken);
        var settings = options.Value;
        var opening = DragOpening.From(opened.First, registry);
        var model = opening.Model;
        var tenant = context.RequestHeaders.GetValue(TenantMetadata.Header) ?? "";
        var edit = await gates.RunAsync(model.Name, tenant, () => opening.CreateEdit(registry.Get(model.Name)), context.CancellationToken);

        // Ends the stream for the loop however the call ends: cancel, deadline, error or stop.
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var streamId = Guid.NewGuid().ToString("N")[..12];
        var stream = new DragStream(streamId, model, edit, opening.Frames, opening.SessionId,
            settings.FrameQueueCapacity, _ => metrics.FrameDropped(), call.Token, Activity.Current?.Context ?? default, tenant);
        using var queue = metrics.TrackQueue(() => stream.QueuedFrames);
        using var commands = metrics.TrackCommandQueue(() => stream.PendingCommands);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["StreamId"] = streamId, ["SessionId"] = opening.SessionId });
        logger.LogInformation("Drag stream {StreamId} opened on {Model} at step {Step} with {Points} points ({Opening})",
            streamId, model.Name, edit.Step, edit.Handles.Count, opened.First.KindCase);

        var loop = scheduler.LoopFor(model.Name);
        loop.Add(stream);
        var relay = RelayRequestsAsync(requests, stream, loop, call.Token);
        try
        {
            await foreach (var frame in stream.Output.ReadAllAsync(call.Token))
                await responses.WriteAsync(frame.ToMessage(), call.Token);
            logger.LogInformation("Drag stream {StreamId} ended at step {Step}", streamId, stream.Edit.Step);
        }
        finally
        {
            await call.CancelAsync();
            loop.Wake();
            await relay;
        }
    }

    /// <summary>
    /// Client messages after the first, as commands for the loop; half-close stops the edit. While
    /// the stream's command queue is full this reads nothing (HTTP/2 flow control then holds the client).
    /// </summary>
    private static async Task RelayRequestsAsync(IAsyncStreamReader<DragRequest> requests, DragStream stream, ModelDragLoop loop, CancellationToken cancellationToken)
    {
        try
        {
            while (await requests.MoveNext(cancellationToken))
            {
                var command = CommandOf(requests.Current, stream);
                await stream.PostAsync(command, cancellationToken);
                loop.Wake();
                if (command is DragLoopCommand.Fail or DragLoopCommand.Stop)
                    return;
            }
            await stream.PostAsync(new DragLoopCommand.Stop(), cancellationToken);
            loop.Wake();
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The call ended (or the client went away) while waiting for a message: nothing to relay.
        }
    }

    private static DragLoopCommand CommandOf(DragRequest request, DragStream stream)
    {
        try
        {
            return request.KindCase switch
            {
                DragRequest.KindOneofCase.Update => new DragLoopCommand.Update(DragUpdatePlan.From(request.Update, stream.Model)),
                DragRequest.KindOneofCase.Pause => new DragLoopCommand.Pause(),
                DragRequest.KindOneofCase.Unpause => new DragLoopCommand.Unpause(),
                DragRequest.KindOneofCase.Stop => new DragLoopCommand.Stop(),
                DragRequest.KindOneofCase.Start or DragRequest.KindOneofCase.Resume =>
                    throw Invalid.Argument("kind", $"{DragOpening.KindName(request.KindCase)} is accepted only as the first message of a stream."),
                _ => throw Invalid.Argument("kind", "must be set: update, pause, unpause or stop."),
            };
        }
        catch (RpcException e)
        {
            return new DragLoopCommand.Fail(e);
        }
    }
}
