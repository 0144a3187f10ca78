using System.Diagnostics;
using DragGan.Contracts;
using DragGan.Engine.Imaging;
using DragGan.Engine.Inversion;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Inference.Services;
using DragGan.Inference.Streaming;
using DragGan.Inference.Telemetry;
using DragGan.Protos.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;
using TorchSharp;

namespace DragGan.Inference.Inversion;

/// <summary>
/// Serves one Invert call: the upload is decoded when <see cref="ImageDecodeAdmission"/> gives it a
/// turn, then the projection runs step by step on the call's own task, each step
/// under the model's gate (so inversions interleave with the drag loop's batched steps), and each
/// step's progress is written before the next step starts: a slow reader slows only its own
/// inversion. A stop, the end of the steps or the replica's shutdown ends it with the best result.
/// </summary>
internal sealed class InvertCallHandler(
    IModelRegistry registry,
    ModelGates gates,
    InversionProjectors projectors,
    StreamAdmission admission,
    ImageDecodeAdmission decodes,
    InferenceMetrics metrics,
    IOptions<InferenceOptions> options,
    ILogger<InvertCallHandler> logger)
{
    public async Task RunAsync(IAsyncStreamReader<InvertRequest> requests, IServerStreamWriter<InvertProgress> responses, ServerCallContext context)
    {
        using var slot = admission.Enter(StreamKinds.Invert);
        var cancellation = context.CancellationToken;
        var first = await FirstMessage.ReadAsync(requests, options.Value.StartMessageTimeout, "a start", cancellation);
        var opening = InvertOpening.From(first, registry);
        var model = opening.Model.Name;
        // Decoded in turn with other uploads, and reduced on the CPU: the device sees the model-sized target only.
        using var target = await decodes.RunAsync(opening.DecodeTarget, cancellation);
        var tenant = context.RequestHeaders.GetValue(TenantMetadata.Header) ?? "";
        using var projection = await gates.RunAsync(model, tenant, () => projectors.For(model).Start(target, opening.Options), cancellation);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SessionId"] = opening.SessionId });
        logger.LogInformation("Inversion of a {Width}x{Height} image on {Model} started: {Steps} steps", opening.ImageSize.Width, opening.ImageSize.Height, model, projection.TotalSteps);

        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var client = new ClientRequests();
        var relay = client.ReadAsync(requests, call.Token);
        try
        {
            var loss = 0.0;
            while (!projection.Finished && !client.StopRequested && !admission.HandBackRequested.IsCancellationRequested)
            {
                cancellation.ThrowIfCancellationRequested();
                if (client.Failure is { } failure)
                    throw failure;
                var step = projection.CompletedSteps + 1;
                var clock = Stopwatch.StartNew();
                var (progress, preview) = await gates.RunAsync(model, tenant, () => Step(projection, opening.Frames, step), cancellation);
                metrics.StepTaken(StreamKinds.Invert, model, 1, clock.Elapsed);
                loss = progress.Loss;
                if (preview is not null)
                    progress.Preview = opening.Frames.Image.Encode(preview);
                await responses.WriteAsync(progress, cancellation);
            }

            var (final, image) = await gates.RunAsync(model, tenant, () => Final(projection, loss), cancellation);
            final.Preview = opening.Frames.Image.Encode(image);
            await responses.WriteAsync(final, cancellation);
            logger.LogInformation("Inversion ended at step {Step}: PSNR {Psnr:0.00} dB", final.Step, final.Psnr);
            if (!projection.Finished && !client.StopRequested)
                throw new RpcException(new Status(StatusCode.Unavailable,
                    $"This replica is shutting down: the inversion stopped at step {final.Step} of {final.TotalSteps}; the last message carries the best latent so far."));
        }
        finally
        {
            await call.CancelAsync();
            await relay;
        }
    }

    private static (InvertProgress Progress, RgbImage? Preview) Step(Projection projection, FrameSettings frames, int step)
    {
        using var result = projection.Step(renderPreview: frames.ImageDue(step));
        var progress = new InvertProgress
        {
            Step = (uint)result.Step,
            TotalSteps = (uint)result.TotalSteps,
            Loss = result.Loss,
            Psnr = result.Psnr,
            Mse = result.Mse,
        };
        if (frames.LatentDue(step))
            progress.Latent = LatentMessages.FromWPlus(projection.CurrentLatent(), projection.Generator.NumWs, projection.Generator.WDim);
        return (progress, result.Preview is null ? null : ImageCodec.ToRgb(result.Preview));
    }

    /// <summary>The best result so far, rendered with constant noise as it will be used.</summary>
    private static (InvertProgress Progress, RgbImage Image) Final(Projection projection, double loss)
    {
        var best = projection.Best;
        using var latent = best.ToTensor(projection.Generator.Device);
        var image = projection.Generator.Render(latent);
        var progress = new InvertProgress
        {
            Step = (uint)projection.CompletedSteps,
            TotalSteps = (uint)projection.TotalSteps,
            Loss = loss,
            Psnr = best.Quality.Psnr,
            Mse = best.Quality.Mse,
            Latent = LatentMessages.FromWPlus(best.Latent, best.NumWs, best.WDim),
            Final = true,
        };
        return (progress, image);
    }

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
