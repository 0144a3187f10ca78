using System.Diagnostics;
using DragGan.Protos.V1;
using Grpc.Core;

namespace DragGan.SoakTests;

/// <summary>
/// The tenant whose service must not suffer: one after another, it creates a session, drags a point
/// for a few steps with JPEG previews, commits, undoes and exports a PNG, each call on the next
/// replica in turn, and deletes its oldest session beyond the last <see cref="KeptSessions"/>, as a
/// client that tidies up does (so that a short run's small session quota is never its limit).
/// Every failure counts; each drag adds to its step rate.
/// </summary>
internal static class WorkingTenant
{
    public const int KeptSessions = 8;

    /// <summary>Rounds until <paramref name="stop"/>; returns how many completed without an error.</summary>
    public static async Task<int> RunAsync(Tenant tenant, Latencies latencies, StepRate rate, CancellationToken stop, ulong firstSeed)
    {
        var completed = 0;
        var round = 0UL;
        var kept = new Queue<string>();
        while (!stop.IsCancellationRequested)
        {
            round++;
            var errorsBefore = latencies.ErrorCount;
            var clock = Stopwatch.StartNew();
            try
            {
                if (await RoundAsync(tenant, firstSeed + round, latencies, rate, stop) is { } created)
                    kept.Enqueue(created);
                if (kept.Count > KeptSessions)
                {
                    var oldest = kept.Dequeue();
                    await Timed("delete", latencies, async () =>
                    {
                        await tenant.DeleteAsync(tenant.Next(), oldest, stop);
                        return oldest;
                    });
                }
                if (latencies.ErrorCount == errorsBefore)
                    completed++;
            }
            catch (Exception e) when (e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled } && stop.IsCancellationRequested)
            {
                // The round the phase's end cut short: how long it had been waiting shows a stall.
                latencies.Record("round_cut_short_at_end", clock.Elapsed);
                return completed;
            }
        }
        return completed;
    }

    /// <summary>One round; each failed operation is recorded and ends the round. Returns the session it created, if any.</summary>
    public static async Task<string?> RoundAsync(Tenant tenant, ulong seed, Latencies latencies, StepRate rate, CancellationToken stop)
    {
        var session = await Timed("create", latencies, () => tenant.CreateAsync(seed, stop));
        if (session is null)
            return null;
        var frames = new FrameOptions { Image = new ImageOptions { Encoding = ImageEncoding.Jpeg }, EveryKSteps = 3 };
        var drag = await Timed("drag_6_steps", latencies,
            () => DragRun.RunAsync(tenant.Next(), Tenant.DragStart(session.Id, session.Resolution, maxSteps: 50, frames), stopAtStep: 6, stop));
        if (drag is null)
            return session.Id;
        latencies.Record("drag_first_frame", drag.FirstFrame);
        rate.Add(drag);
        if (drag.CommittedEntryId is null)
        {
            latencies.Error("drag_6_steps", new InvalidOperationException("The drag ended without a committed entry."));
            return session.Id;
        }
        if (await Timed("undo", latencies, () => tenant.Next().UndoAsync(new UndoRequest { SessionId = session.Id }, cancellationToken: stop).ResponseAsync) is null)
            return session.Id;
        await Timed("export_png", latencies,
            () => tenant.Next().ExportImageAsync(new ExportImageRequest { SessionId = session.Id }, cancellationToken: stop).ResponseAsync);
        return session.Id;
    }

    private static async Task<T?> Timed<T>(string operation, Latencies latencies, Func<Task<T>> call) where T : class
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var result = await call();
            latencies.Record(operation, clock.Elapsed);
            return result;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            latencies.Error(operation, e);
            return null;
        }
    }
}
