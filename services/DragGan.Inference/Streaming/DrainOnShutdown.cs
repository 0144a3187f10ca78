using DragGan.Inference.Drags;
using Microsoft.Extensions.Options;

namespace DragGan.Inference.Streaming;

/// <summary>
/// Graceful shutdown. Runs in the host's "stopping" phase, before Kestrel stops (which would wait
/// for open streams and then abort them): it refuses new streams (health turns NOT_SERVING), hands
/// back idle edits at once, lets drags that are still stepping go on for
/// <see cref="InferenceOptions.ShutdownDrainSeconds"/>, then hands back everything left. A handed-back
/// stream gets a frame with its state and ends with UNAVAILABLE, so its client resumes elsewhere.
/// </summary>
internal sealed class DrainOnShutdown(
    StreamAdmission admission, DragScheduler scheduler, IOptions<InferenceOptions> options, ILogger<DrainOnShutdown> logger)
    : IHostedLifecycleService
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        admission.BeginDrain();
        if (admission.Active == 0)
            return;
        logger.LogInformation("Draining {Streams} streams (up to {Seconds} s)", admission.Active, options.Value.ShutdownDrainSeconds);
        scheduler.HandBack(all: false);
        await WaitForStreamsAsync(options.Value.ShutdownDrain, cancellationToken);

        if (admission.Active > 0)
        {
            logger.LogInformation("Handing back {Streams} streams", admission.Active);
            scheduler.HandBack(all: true);
            admission.RequestHandBack();
            // The hand-back is one tick away; the host's own timeout bounds this wait.
            await WaitForStreamsAsync(Timeout.InfiniteTimeSpan, cancellationToken);
        }
    }

    private async Task WaitForStreamsAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit != Timeout.InfiniteTimeSpan)
            timeout.CancelAfter(limit);
        try
        {
            while (admission.Active > 0)
                await Task.Delay(Poll, timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
