using System.Diagnostics;
using DragGan.Cli.Progress;
using DragGan.Client;
using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.Cli;

/// <summary>
/// Runs a drag to its end as a command does: shows each step, stops it once it converges or
/// reaches its step limit (the service keeps a finished drag open for updates otherwise), and
/// returns the last frame with the committed entry. An interrupt stops the drag the same way, so
/// what was done is committed rather than lost.
/// </summary>
internal static class DragRunner
{
    /// <summary>The service's max_steps when neither the command nor the session sets one.</summary>
    public const uint DefaultMaxSteps = 500;

    public static async Task<SessionDragFrame> RunAsync(DragGanClient client, SessionDragStart start, uint maxSteps, DragProgress progress, CancellationToken interrupt)
    {
        await using var drag = await client.StartDragAsync(start, interrupt);
        var clock = Stopwatch.StartNew();
        using var stopOnInterrupt = interrupt.Register(() => _ = StopQuietlyAsync(drag));
        var title = $"dragging {start.Points.Count} point(s)";
        return await progress.ShowAsync(title, maxSteps, async report =>
        {
            var stopping = false;
            // Not cancelled by the interrupt: after a stop the last frame, with the commit, still has to arrive.
            await foreach (var message in drag.ReadFramesAsync(CancellationToken.None))
            {
                var frame = message.Frame;
                if (frame is null || frame.Final)
                    continue;
                if (!frame.Paused)
                    report(new DragStep(frame.Step, maxSteps, frame.Distances.DefaultIfEmpty(0).Max(), frame.Step / Math.Max(clock.Elapsed.TotalSeconds, 1e-3), message.Resumed));
                if ((frame.Converged || frame.StepLimitReached) && !stopping)
                {
                    stopping = true;
                    await drag.StopAsync(CancellationToken.None);
                }
            }
            return drag.Result ?? throw new RpcException(new Status(StatusCode.Unavailable, "The drag ended without its last frame; the service keeps what it persisted."));
        });
    }

    /// <summary>The lines that report a committed drag: the entry, and where each handle ended.</summary>
    public static IEnumerable<string> Describe(SessionDragFrame result)
    {
        var frame = result.Frame;
        var entry = result.Session?.History.FirstOrDefault(e => e.Id == result.CommittedEntryId);
        var outcome = entry?.Outcome switch
        {
            DragOutcome.Converged => "converged",
            DragOutcome.StepLimitReached => "step limit reached",
            _ => "stopped",
        };
        yield return result.Discarded
            ? $"drag discarded after {frame.Step} steps"
            : $"entry {result.CommittedEntryId} committed after {frame.Step} steps ({outcome})";
        for (var i = 0; i < frame.Handles.Count && i < frame.Targets.Count; i++)
        {
            var distance = i < frame.Distances.Count ? frame.Distances[i] : double.NaN;
            yield return FormattableString.Invariant(
                $"handle {i} {PointPairs.Format(frame.Handles[i])} target {PointPairs.Format(frame.Targets[i])} distance {distance:F1} px");
        }
    }

    private static async Task StopQuietlyAsync(SessionDrag drag)
    {
        try
        {
            await drag.StopAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            // The drag already ended or the call broke: the service commits what it persisted.
        }
    }
}
