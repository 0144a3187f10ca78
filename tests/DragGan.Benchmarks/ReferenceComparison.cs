using System.Diagnostics;
using System.Text.Json;
using DragGan.Engine.Drags;
using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Benchmarks;

/// <summary>
/// Ours against the reference implementation's drag loop on the same machine: the fixture's drag
/// cases (drag_reference.json: seed 42, psi 0.7, same points and targets), run for the same steps as
/// bench/reference/run_reference_drag.py times, once rendering the image every step as the reference
/// does and once features-only (what the service runs between frames).
/// </summary>
internal static class ReferenceComparison
{
    public static IEnumerable<Dictionary<string, object>> Run(string fixturePickle, string referenceResults, int repeats)
    {
        using var reference = JsonDocument.Parse(File.ReadAllText(referenceResults));
        var fixtureDir = Path.GetDirectoryName(fixturePickle)!;
        using var cases = JsonDocument.Parse(File.ReadAllText(Path.Combine(fixtureDir, "drag_reference.json")));
        using var generator = BenchmarkModel.Fixture(fixturePickle).Create(CPU);

        foreach (var measured in reference.RootElement.GetProperty("cases").EnumerateObject())
        {
            var definition = cases.RootElement.GetProperty("cases").GetProperty(measured.Name);
            var points = ReferenceDrags.ReadPoints(definition.GetProperty("points")).Zip(ReferenceDrags.ReadPoints(definition.GetProperty("targets"))).ToArray();
            var steps = measured.Value.GetProperty("timed_steps_per_drag").GetInt32();
            var referenceStepsPerSecond = measured.Value.GetProperty("steps_per_s").GetDouble();

            var withImage = MedianStepsPerSecond(generator, points, steps, repeats, render: true);
            var featuresOnly = MedianStepsPerSecond(generator, points, steps, repeats, render: false);
            yield return new Dictionary<string, object>
            {
                ["suite"] = "reference-comparison",
                ["model"] = "fixture-stylegan2-tiny-256",
                ["case"] = measured.Name,
                ["steps"] = steps,
                ["repeats"] = repeats,
                ["reference_steps_per_s"] = Math.Round(referenceStepsPerSecond, 3),
                ["ours_steps_per_s_image_every_step"] = Math.Round(withImage, 3),
                ["ours_steps_per_s_features_only"] = Math.Round(featuresOnly, 3),
                ["ratio_image_every_step"] = Math.Round(withImage / referenceStepsPerSecond, 2),
                ["ratio_features_only"] = Math.Round(featuresOnly / referenceStepsPerSecond, 2),
            };
        }
    }

    private static double MedianStepsPerSecond(StyleGan2Generator generator, (PixelPoint, PixelPoint)[] points, int steps, int repeats, bool render)
    {
        var rates = new List<double>();
        for (var run = 0; run < repeats + 1; run++)
        {
            using var scope = NewDisposeScope();
            var ws = generator.MapSeed(42, psi: 0.7);
            using var edit = DragEdit.Start(generator, ws, points, parameters: new DragParameters { MaxSteps = steps });
            var stepper = new DragStepper(generator);
            var watch = Stopwatch.StartNew();
            var taken = 0;
            for (var step = 0; step < steps; step++)
            {
                using var result = stepper.Step([edit], [render])[0];
                taken++;
                if (result.Converged)
                    break;
            }
            if (run > 0) // the first run warms up
                rates.Add(taken / watch.Elapsed.TotalSeconds);
        }
        rates.Sort();
        return rates[rates.Count / 2];
    }
}
