using System.Diagnostics;
using DragGan.Protos.V1;
using Grpc.Core;
using InferenceClient = DragGan.Protos.V1.Inference.InferenceClient;

namespace DragGan.LoadTests;

/// <summary>
/// N concurrent drags that never converge (stop distance 0.5 px, a far target), each reading every
/// frame as fast as it can, for a fixed time. Reports steps/s and the time between frames a
/// client sees (its frame latency: how long an interactive user waits for the next image).
/// </summary>
internal static class LoadScenario
{
    public static async Task<Dictionary<string, object>> RunAsync(InferenceClient client, string model, Latent latent, int streams, TimeSpan duration)
    {
        var stats = Enumerable.Range(0, streams).Select(_ => new StreamStats()).ToArray();
        using var stop = new CancellationTokenSource();
        var memoryBefore = Process.GetCurrentProcess().WorkingSet64;
        var clock = Stopwatch.StartNew();
        var tasks = stats.Select((s, i) => RunStreamAsync(client, model, latent, i, s, stop.Token)).ToArray();

        // Measure from the moment every stream has its first frame, so that model loading and the
        // first step's warm-up are not counted.
        while (stats.Any(s => s.Frames == 0 && s.Error is null) && clock.Elapsed < TimeSpan.FromMinutes(2))
            await Task.Delay(10);
        var startSteps = stats.Select(s => s.LastStep).ToArray();
        var startFrames = stats.Select(s => s.Frames).ToArray();
        var measured = Stopwatch.StartNew();
        var peakMemory = memoryBefore;
        long midMemory = 0;
        while (measured.Elapsed < duration)
        {
            await Task.Delay(200);
            var memory = Process.GetCurrentProcess().WorkingSet64;
            peakMemory = Math.Max(peakMemory, memory);
            if (midMemory == 0 && measured.Elapsed >= duration / 2)
                midMemory = memory;
        }
        // Bounded memory: the second half of the run adds nothing much to the first half's.
        var endMemory = Process.GetCurrentProcess().WorkingSet64;
        var seconds = measured.Elapsed.TotalSeconds;
        var steps = stats.Select((s, i) => (double)(s.LastStep - startSteps[i])).ToArray();
        var frames = stats.Select((s, i) => s.Frames - startFrames[i]).Sum();
        await stop.CancelAsync();
        await Task.WhenAll(tasks);

        var gaps = stats.SelectMany(s => s.FrameGapsMs.Skip(1)).Order().ToArray();
        var errors = stats.Where(s => s.Error is not null).Select(s => s.Error!).ToArray();
        return new Dictionary<string, object>
        {
            ["suite"] = "inference-load",
            ["model"] = model,
            ["streams"] = streams,
            ["seconds"] = Math.Round(seconds, 1),
            ["steps_per_s_total"] = Math.Round(steps.Sum() / seconds, 2),
            ["steps_per_s_per_stream_min"] = Math.Round(steps.Min() / seconds, 2),
            ["steps_per_s_per_stream_mean"] = Math.Round(steps.Average() / seconds, 2),
            // Round-robin serves every ready stream within ceil(ready / batch) steps, so in a window
            // the streams' step counts differ by at most one: fair is a spread of 0 or 1.
            ["steps_spread_between_streams"] = steps.Max() - steps.Min(),
            ["frames_received"] = frames,
            ["frame_gap_ms_p50"] = FrameGapPercentile(gaps, 0.50),
            ["frame_gap_ms_p99"] = FrameGapPercentile(gaps, 0.99),
            ["errors"] = errors.Length,
            ["error_samples"] = errors.Distinct().Take(3).ToArray(),
            ["working_set_mb_before"] = memoryBefore / (1 << 20),
            ["working_set_mb_mid"] = midMemory / (1 << 20),
            ["working_set_mb_end"] = endMemory / (1 << 20),
            ["working_set_mb_peak"] = peakMemory / (1 << 20),
        };
    }

    private static async Task RunStreamAsync(InferenceClient client, string model, Latent latent, int index, StreamStats stats, CancellationToken stop)
    {
        try
        {
            using var call = client.Drag(cancellationToken: stop);
            var start = new DragStart
            {
                Model = model,
                Latent = latent,
                SessionId = $"load-{index}",
                Parameters = new DragParameters { MaxSteps = 100_000, StopDistance = 0.5 },
                // JPEG at the model's size: what a thin client would ask for.
                FrameOptions = new FrameOptions { Image = new ImageOptions { Encoding = ImageEncoding.Jpeg } },
            };
            // Spread the handles so that the streams are different edits.
            start.Points.Add(new PointPair
            {
                Handle = new Point { X = 60 + index * 7 % 120, Y = 128 },
                Target = new Point { X = 200, Y = 60 + index * 11 % 120 },
            });
            await call.RequestStream.WriteAsync(new DragRequest { Start = start }, stop);
            await foreach (var frame in call.ResponseStream.ReadAllAsync(stop))
                stats.Record(frame.Step);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && stop.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            stats.Error = e.Message;
        }
    }

    // "none" where fewer than two frames arrived (as the chosen batch size's "none"): JSON has no NaN.
    private static object FrameGapPercentile(double[] sorted, double p) =>
        sorted.Length == 0 ? "none" : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 1);
}
