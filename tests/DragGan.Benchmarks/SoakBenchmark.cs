using DragGan.Engine.Drags;
using static TorchSharp.torch;

namespace DragGan.Benchmarks;

/// <summary>
/// Memory over a long drag: resident memory and live tensor handles sampled every 10% of the steps,
/// with a frame rendered every 10 steps as a service would. Flat numbers mean no per-step leak.
/// </summary>
internal static class SoakBenchmark
{
    public static IEnumerable<Dictionary<string, object>> Run(BenchmarkModel model, int steps)
    {
        using var generator = model.Create(CPU);
        var resolution = generator.Config.ImgResolution;
        using var ws = generator.MapSeed(42, psi: 0.7);
        using var edit = DragEdit.Start(generator, ws,
            [(new PixelPoint(resolution * 0.3, resolution * 0.5), new PixelPoint(resolution * 0.7, resolution * 0.5))],
            parameters: new DragParameters { MaxSteps = DragParameters.MaxStepsLimit, StopDistance = 0.01 });
        var stepper = new DragStepper(generator);

        var samples = new List<Dictionary<string, object>>();
        for (var step = 1; step <= steps; step++)
        {
            foreach (var result in stepper.Step([edit], [step % 10 == 0]))
                result.Dispose();
            if (step % Math.Max(steps / 10, 1) == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                samples.Add(new Dictionary<string, object>
                {
                    ["step"] = step,
                    ["rss_mib"] = Math.Round(Measurement.ResidentMiB(), 1),
                    ["live_tensors"] = Tensor.TotalCount,
                });
            }
        }
        var first = samples[0];
        var last = samples[^1];
        yield return new Dictionary<string, object>
        {
            ["suite"] = "soak",
            ["model"] = model.Name,
            ["steps"] = steps,
            ["rss_mib_first_sample"] = first["rss_mib"],
            ["rss_mib_last_sample"] = last["rss_mib"],
            ["live_tensors_first_sample"] = first["live_tensors"],
            ["live_tensors_last_sample"] = last["live_tensors"],
            ["samples"] = samples,
        };
    }
}
