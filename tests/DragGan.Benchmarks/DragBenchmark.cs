using DragGan.Engine.Drags;
using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Benchmarks;

/// <summary>
/// Drag steps/s for N concurrent edits stepped as one batch: features-only steps (what the service
/// runs between frames) and steps that also render the image every step (what the reference does).
/// </summary>
internal static class DragBenchmark
{
    public static IEnumerable<Dictionary<string, object>> Run(BenchmarkModel model, Device device, int[] concurrency, string[] skip, bool quick, Action synchronize)
    {
        using var generator = model.Create(device);
        var resolution = generator.Config.ImgResolution;
        double? singleEditMs = null;
        foreach (var edits in concurrency)
        {
            if (skip.Contains($"{resolution}x{edits}"))
            {
                yield return new Dictionary<string, object>
                {
                    ["suite"] = "drag", ["model"] = model.Name, ["resolution"] = resolution, ["edits"] = edits, ["skipped"] = "--skip",
                };
                continue;
            }
            var rssBefore = Measurement.ResidentMiB();
            Measurement.ResetPeakResident();
            var batch = StartEdits(generator, edits);
            try
            {
                var stepper = new DragStepper(generator);
                var editsPerForward = Math.Min(edits, stepper.EditsPerForward(renderImage: false));
                var heavy = quick && (resolution >= 512 || edits >= 16);
                var repeats = quick ? 3 : 10;
                var featuresOnly = Measurement.MedianMilliseconds(() => Step(stepper, batch, render: false), warmup: heavy ? 1 : 2, repeats, synchronize);
                // Quick runs render frames for single edits only; a service renders every k-th step anyway.
                var withImage = heavy || (quick && edits > 1)
                    ? double.NaN
                    : Measurement.MedianMilliseconds(() => Step(stepper, batch, render: true), warmup: 1, repeats, synchronize);
                if (edits == 1)
                    singleEditMs = featuresOnly;
                // A new edit's first frame on the warm model: its start (w0's features) and one step with the image.
                var firstFrame = edits == 1
                    ? Measurement.MedianMilliseconds(() => FirstFrame(generator, stepper), warmup: 0, repeats, synchronize)
                    : double.NaN;
                yield return new Dictionary<string, object>
                {
                    ["suite"] = "drag",
                    ["model"] = model.Name,
                    ["resolution"] = resolution,
                    ["edits"] = edits,
                    ["edits_per_forward"] = editsPerForward,
                    ["repeats"] = repeats,
                    ["batch_step_ms"] = Math.Round(featuresOnly, 2),
                    // The batch against stepping its edits one by one, both measured in this run.
                    ["cost_vs_sequential"] = singleEditMs is { } single ? Math.Round(featuresOnly / (edits * single), 3) : "no 1-edit row",
                    ["steps_per_s_per_edit"] = Math.Round(1000 / featuresOnly, 3),
                    ["steps_per_s_total"] = Math.Round(edits * 1000 / featuresOnly, 3),
                    ["batch_step_with_image_ms"] = double.IsNaN(withImage) ? "not measured" : Math.Round(withImage, 2),
                    ["steps_per_s_per_edit_with_image"] = double.IsNaN(withImage) ? "not measured" : Math.Round(1000 / withImage, 3),
                    ["first_frame_ms"] = double.IsNaN(firstFrame) ? "not measured" : Math.Round(firstFrame, 2),
                    ["rss_growth_mib"] = Math.Round(Measurement.ResidentMiB() - rssBefore, 1),
                    ["peak_rss_mib"] = Math.Round(Measurement.PeakResidentMiB(), 1),
                };
            }
            finally
            {
                foreach (var edit in batch)
                    edit.Dispose();
            }
        }
    }

    private static void Step(DragStepper stepper, IReadOnlyList<DragEdit> batch, bool render)
    {
        var results = stepper.Step(batch, render ? batch.Select(_ => true).ToArray() : null);
        foreach (var result in results)
            result.Dispose();
    }

    private static void FirstFrame(StyleGan2Generator generator, DragStepper stepper)
    {
        var edits = StartEdits(generator, 1);
        try
        {
            Step(stepper, edits, render: true);
        }
        finally
        {
            edits[0].Dispose();
        }
    }

    /// <summary>Edits from different seeds, each dragging one point across 40% of the image, that do not converge while measured.</summary>
    private static List<DragEdit> StartEdits(StyleGan2Generator generator, int count)
    {
        var resolution = generator.Config.ImgResolution;
        var edits = new List<DragEdit>();
        for (var i = 0; i < count; i++)
        {
            using var scope = NewDisposeScope();
            var z = torch.randn(1, generator.Config.ZDim, generator: new Generator((ulong)(100 + i))).to(generator.Device);
            var ws = generator.Map(z, psi: 0.7);
            var row = resolution * (0.3 + 0.4 * i / Math.Max(count, 1));
            edits.Add(DragEdit.Start(generator, ws,
                [(new PixelPoint(resolution * 0.3, row), new PixelPoint(resolution * 0.7, row))],
                parameters: new DragParameters { MaxSteps = DragParameters.MaxStepsLimit, StopDistance = 0.01 }));
        }
        return edits;
    }
}
