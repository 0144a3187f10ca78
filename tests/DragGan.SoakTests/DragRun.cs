using System.Diagnostics;
using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.SoakTests;

/// <summary>A bidirectional session drag: start, read frames to a step, then stop and read to the commit.</summary>
internal static class DragRun
{
    public sealed record Outcome(ulong? CommittedEntryId, TimeSpan FirstFrame, TimeSpan Total, int Frames);

    public static async Task<Outcome> RunAsync(Tenant tenant, SessionDragStart start, uint stopAtStep, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        using var call = tenant.Client.Drag(cancellationToken: cancellation);
        await call.RequestStream.WriteAsync(new SessionDragRequest { Start = start }, cancellation);
        TimeSpan? first = null;
        var frames = 0;
        var stopped = false;
        ulong? committed = null;
        await foreach (var frame in call.ResponseStream.ReadAllAsync(cancellation))
        {
            frames++;
            first ??= clock.Elapsed;
            if (frame.HasCommittedEntryId)
                committed = frame.CommittedEntryId;
            if (!stopped && (frame.Frame.Step >= stopAtStep || frame.Frame.Converged || frame.Frame.StepLimitReached))
            {
                stopped = true;
                await call.RequestStream.WriteAsync(new SessionDragRequest { Stop = new DragStop() }, cancellation);
                await call.RequestStream.CompleteAsync();
            }
        }
        return new Outcome(committed, first ?? clock.Elapsed, clock.Elapsed, frames);
    }
}
