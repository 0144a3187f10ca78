using System.Diagnostics;
using DragGan.Contracts;
using DragGan.Engine.Imaging;
using DragGan.Engine.Inversion;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Engine.Tuning;
using InversionStage = DragGan.Engine.Tuning.InversionStage;
using DragGan.Inference.Services;
using DragGan.Inference.Streaming;
using DragGan.Inference.Telemetry;
using DragGan.Protos.V1;
using Grpc.Core;
using TorchSharp;

namespace DragGan.Inference.Inversion;

/// <summary>
/// Serves one Invert call: the upload is decoded when <see cref="ImageDecodeAdmission"/> gives it a
/// turn, then the projection runs step by step on the call's own task, each step
/// under the model's gate (so inversions interleave with the drag loop's batched steps), and each
/// step's progress is written before the next step starts: a slow reader slows only its own
/// inversion. With pivotal tuning, the tuning steps follow the pivot's projection in the same
/// stream. A stop, the end of the steps or the replica's shutdown ends it with the best result.
/// </summary>
internal sealed class InvertCallHandler(
    IModelRegistry registry,
    ModelGates gates,
    InversionProjectors projectors,
    PerceptualDistances perceptual,
    StreamAdmission admission,
    ImageDecodeAdmission decodes,
    InferenceMetrics metrics,
    ILogger<InvertCallHandler> logger)
{
    public async Task RunAsync(IAsyncStreamReader<InvertRequest> requests, IServerStreamWriter<InvertProgress> responses, ServerCallContext context)
    {
        var cancellation = context.CancellationToken;
        using var opened = await admission.OpenAsync(StreamKinds.Invert, requests, "a start", cancellation);
        var opening = InvertOpening.From(opened.First, registry);
        if (opening.Tuning is not null && !perceptual.Available)
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "start.pivotal_tuning is not available on this replica: it ships without the perceptual network pivotal tuning measures with. Invert without it."));
        var model = opening.Model.Name;
        // Decoded in turn with other uploads, and reduced on the CPU: the device sees the model-sized target only.
        using var target = await decodes.RunAsync(opening.DecodeTarget, cancellation);
        var tenant = context.RequestHeaders.GetValue(TenantMetadata.Header) ?? "";
        using var run = await gates.RunAsync(model, tenant, () => Start(opening, target), cancellation);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SessionId"] = opening.SessionId });
        logger.LogInformation("Inversion of a {Width}x{Height} image on {Model} started: {Steps} steps, pivotal tuning {Tuning}",
            opening.ImageSize.Width, opening.ImageSize.Height, model, run.TotalSteps, opening.Tuning is null ? "off" : $"rank {opening.Tuning.Rank}");

        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var client = new ClientRequests();
        var relay = client.ReadAsync(requests, call.Token);
        try
        {
            var loss = 0.0;
            while (!run.Finished && !client.StopRequested && !admission.HandBackRequested.IsCancellationRequested)
            {
                cancellation.ThrowIfCancellationRequested();
                if (client.Failure is { } failure)
                    throw failure;
                var step = run.CompletedSteps + 1;
                var clock = Stopwatch.StartNew();
                var (progress, preview) = await gates.RunAsync(model, tenant, () => Step(run, opening.Frames, step), cancellation);
                metrics.StepTaken(StreamKinds.Invert, model, 1, clock.Elapsed);
                loss = progress.Loss;
                if (preview is not null)
                    progress.Preview = opening.Frames.Image.Encode(preview);
                await responses.WriteAsync(progress, cancellation);
            }

            var (final, image) = await gates.RunAsync(model, tenant, () => Final(run, loss), cancellation);
            final.Preview = opening.Frames.Image.Encode(image);
            await responses.WriteAsync(final, cancellation);
            logger.LogInformation("Inversion ended at step {Step}: PSNR {Psnr:0.00} dB, delta {DeltaBytes} bytes", final.Step, final.Psnr, final.WeightDelta.Length);
            if (!run.Finished && !client.StopRequested)
                throw new RpcException(new Status(StatusCode.Unavailable,
                    $"This replica is shutting down: the inversion stopped at step {final.Step} of {final.TotalSteps}; the last message carries the best result so far."));
        }
        finally
        {
            await call.CancelAsync();
            await relay;
        }
    }

    /// <summary>The projection alone, or the pivot's projection (pixel + perceptual loss, as PTI) with tuning to follow.</summary>
    private InversionRun Start(InvertOpening opening, torch.Tensor target)
    {
        var projector = projectors.For(opening.Model.Name);
        if (opening.Tuning is not { } tuning)
            return new InversionRun(projector.Start(target, opening.Options));
        var distance = perceptual.For(projector.Generator.Device);
        var pivot = opening.Options with { PerceptualDistance = distance, PixelWeight = 1, PerceptualWeight = 1 };
        return new InversionRun(projector.Start(target, pivot), new TuningPlan(opening.Model.Name, distance, tuning));
    }

    private static (InvertProgress Progress, RgbImage? Preview) Step(InversionRun run, FrameSettings frames, int step)
    {
        using var result = run.Step(renderPreview: frames.ImageDue(step));
        var progress = new InvertProgress
        {
            Step = (uint)result.Step,
            TotalSteps = (uint)result.TotalSteps,
            Loss = result.Loss,
            Psnr = result.Psnr,
            Mse = result.Mse,
            Stage = StageOf(result.Stage),
        };
        if (result.PerceptualDistance is { } distance)
            progress.PerceptualDistance = distance;
        if (frames.LatentDue(step))
            progress.Latent = LatentMessages.FromWPlus(run.CurrentLatent(), run.Generator.NumWs, run.Generator.WDim);
        return (progress, result.Preview is null ? null : ImageCodec.ToRgb(result.Preview));
    }

    /// <summary>The result so far (the best latent; the delta, once tuning began), rendered with constant noise as edits will draw it.</summary>
    private static (InvertProgress Progress, RgbImage Image) Final(InversionRun run, double loss)
    {
        var result = run.Result();
        var progress = new InvertProgress
        {
            Step = (uint)run.CompletedSteps,
            TotalSteps = (uint)run.TotalSteps,
            Loss = loss,
            Psnr = result.Psnr,
            Mse = result.Mse,
            Latent = LatentMessages.FromWPlus(result.Latent, result.NumWs, result.WDim),
            Stage = StageOf(run.Stage),
            Final = true,
        };
        if (result.Delta is { } delta)
            progress.WeightDelta = WeightDeltaMessages.Write(delta);
        return (progress, result.Image);
    }

    private static Protos.V1.InversionStage StageOf(InversionStage stage) =>
        stage == InversionStage.Tuning ? Protos.V1.InversionStage.Tuning : Protos.V1.InversionStage.Projection;

    /// <summary>What the client sends after its start: a stop, or something invalid that ends the call.</summary>
    private sealed class ClientRequests
    {
        private volatile bool _stopRequested;
        private volatile RpcException? _failure;

        public bool StopRequested => _stopRequested;

        public RpcException? Failure => _failure;

        public async Task ReadAsync(IAsyncStreamReader<InvertRequest> requests, CancellationToken cancellationToken)
        {
            try
            {
                // Half-closing only says the client has nothing more to send: the inversion runs on.
                while (await requests.MoveNext(cancellationToken))
                {
                    if (requests.Current.KindCase == InvertRequest.KindOneofCase.Stop)
                    {
                        _stopRequested = true;
                        return;
                    }
                    _failure = Invalid.Argument("kind", "after the start, only stop is accepted.");
                    return;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
            }
        }
    }
}
