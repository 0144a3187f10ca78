using System.Diagnostics;
using DragGan.Protos.V1;
using Grpc.Core;
using SessionsClient = DragGan.Protos.V1.Sessions.SessionsClient;

namespace DragGan.SoakTests;

/// <summary>A bidirectional session drag: start, read frames to a step, then stop and read to the commit.</summary>
internal static class DragRun
{
    /// <param name="Steps">The step the drag reached when it was asked to stop.</param>
    /// <param name="ToSteps">From the start to the frame of that step: <see cref="Steps"/> / this is the drag's step rate.</param>
    /// <param name="FirstStep">The step of the first frame, which came after <see cref="FirstFrame"/>.</param>
    public sealed record Outcome(ulong? CommittedEntryId, TimeSpan FirstFrame, uint FirstStep, TimeSpan ToSteps, TimeSpan Total, int Frames, uint Steps, long ImageBytes);

    /// <param name="onFrame">Sees each frame as it comes, so that a drag cut short still counts what it received.</param>
    public static async Task<Outcome> RunAsync(SessionsClient client, SessionDragStart start, uint stopAtStep, CancellationToken cancellation,
        Action<SessionDragFrame>? onFrame = null)
    {
        var clock = Stopwatch.StartNew();
        using var call = client.Drag(cancellationToken: cancellation);
        await call.RequestStream.WriteAsync(new SessionDragRequest { Start = start }, cancellation);
        TimeSpan? first = null;
        var firstStep = 0u;
        TimeSpan? toSteps = null;
        var frames = 0;
        var steps = 0u;
        var imageBytes = 0L;
        ulong? committed = null;
        await foreach (var frame in call.ResponseStream.ReadAllAsync(cancellation))
        {
            frames++;
            onFrame?.Invoke(frame);
            if (first is null)
            {
                first = clock.Elapsed;
                firstStep = frame.Frame.Step;
            }
            imageBytes += frame.Frame.Image?.Data.Length ?? 0;
            if (frame.HasCommittedEntryId)
                committed = frame.CommittedEntryId;
            if (toSteps is null && (frame.Frame.Step >= stopAtStep || frame.Frame.Converged || frame.Frame.StepLimitReached))
            {
                toSteps = clock.Elapsed;
                steps = frame.Frame.Step;
                await call.RequestStream.WriteAsync(new SessionDragRequest { Stop = new DragStop() }, cancellation);
                await call.RequestStream.CompleteAsync();
            }
        }
        return new Outcome(committed, first ?? clock.Elapsed, firstStep, toSteps ?? clock.Elapsed, clock.Elapsed, frames, steps, imageBytes);
    }
}
