using System.Diagnostics;
using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Inversion;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Engine.Perceptual;
using DragGan.Engine.Tuning;
using DragGan.Faces.Rendering;
using static TorchSharp.torch;

namespace DragGan.Benchmarks;

/// <summary>Settings of the pivotal-tuning suite (<c>--suite pti</c>).</summary>
internal sealed record PivotalTuningBenchmarkOptions
{
    public int Faces { get; init; } = 2;

    /// <summary>Projection steps of both projections (W+ pixel-only and the W pivot).</summary>
    public int ProjectionSteps { get; init; } = 300;

    public int TuningSteps { get; init; } = PivotalTuningOptions.DefaultSteps;

    public int[] Ranks { get; init; } = [1, 2, 4, 8];

    public bool Full { get; init; } = true;

    /// <summary>Low-rank learning rates to compare (a row per rank and rate); empty for the engine's default.</summary>
    public double[] LowRankLearningRates { get; init; } = [];

    public double EarlyStopDistance { get; init; }
}

/// <summary>
/// Inversion of faces the generator never saw (renders of random face parameters, not its latent
/// map) with the built-in faces-128 model: W+ pixel-only projection (the engine's default), W
/// projection with pixel + perceptual loss (the pivot), low-rank pivotal tuning at several ranks
/// from that pivot, and full tuning of the synthesis convolutions. Reports PSNR, the perceptual
/// distance (<see cref="ResNetPerceptualDistance"/>), seconds per face (tuning rows include their
/// pivot's projection) and the bytes of the delta that would travel.
/// </summary>
internal static class PivotalTuningBenchmark
{
    public static IEnumerable<Dictionary<string, object>> Run(PivotalTuningBenchmarkOptions options, Device device)
    {
        using var checkpoint = FacesModel.CreateCheckpoint();
        using var generator = StyleGan2Generator.Create(checkpoint, device);
        using var distance = ResNetPerceptualDistance.Load(device: device);
        var projector = new LatentProjector(generator);
        _ = projector.Statistics;
        var random = new System.Random(77);
        var results = new Dictionary<string, List<(double Psnr, double Distance, double Seconds, long Bytes, int Steps)>>();
        Dictionary<string, object> Add(string method, double psnr, double perceptual, double seconds, long bytes, int steps)
        {
            if (!results.TryGetValue(method, out var list))
                results[method] = list = [];
            list.Add((psnr, perceptual, seconds, bytes, steps));
            // One row per face and method as soon as it is measured, so a run that is stopped keeps it.
            return new Dictionary<string, object>
            {
                ["suite"] = "pti-face",
                ["face"] = list.Count,
                ["method"] = method,
                ["steps"] = steps,
                ["psnr_db"] = Math.Round(psnr, 2),
                ["perceptual_distance"] = Math.Round(perceptual, 4),
                ["seconds"] = Math.Round(seconds, 1),
                ["delta_bytes"] = bytes,
            };
        }

        for (var face = 0; face < options.Faces; face++)
        {
            var u = Enumerable.Range(0, FaceParameters.Count).Select(_ => random.NextSingle()).ToArray();
            var render = FaceRenderer.Render(FaceParameters.FromUnit(u), generator.Resolution);
            using var target = ImageCodec.ToTensor(render.Image, device);

            var clock = Stopwatch.StartNew();
            var wPlus = Project(projector, render.Image, new InversionOptions { Steps = options.ProjectionSteps });
            yield return Add("wplus-pixel", wPlus.Quality.Psnr, Measure(generator, distance, wPlus.Latent, null, target).Distance, clock.Elapsed.TotalSeconds, 0, options.ProjectionSteps);

            clock.Restart();
            var pivot = Project(projector, render.Image, new InversionOptions
            {
                Steps = options.ProjectionSteps,
                Space = LatentSpace.W,
                PerceptualDistance = distance,
            });
            var pivotSeconds = clock.Elapsed.TotalSeconds;
            var atPivot = Measure(generator, distance, pivot.Latent, null, target);
            yield return Add("w-perceptual", atPivot.Psnr, atPivot.Distance, pivotSeconds, 0, options.ProjectionSteps);

            var rates = options.LowRankLearningRates.Length > 0 ? options.LowRankLearningRates.Select(r => (double?)r).ToArray() : [null];
            var tunings = options.Ranks.SelectMany(rank => rates.Select(rate => (
                rate is null ? $"pti-lowrank-r{rank}" : FormattableString.Invariant($"pti-lowrank-r{rank}-lr{rate}"),
                new PivotalTuningOptions
                {
                    Rank = rank,
                    Steps = options.TuningSteps,
                    LearningRate = rate,
                    EarlyStopDistance = options.EarlyStopDistance,
                }))).ToList();
            if (options.Full)
                tunings.Add(("pti-full", new PivotalTuningOptions { Mode = TuningMode.Full, Steps = options.TuningSteps, EarlyStopDistance = options.EarlyStopDistance }));
            foreach (var (method, tuningOptions) in tunings)
            {
                clock.Restart();
                using var tuning = new PivotalTuning(generator, FacesModel.Name, target, pivot.Latent, distance, tuningOptions);
                while (!tuning.Finished)
                    tuning.Step().Dispose();
                var bytes = WeightDeltaFormat.Write(tuning.Delta());
                var seconds = clock.Elapsed.TotalSeconds + pivotSeconds;
                // Measured as it travels: the delta read back from its bytes.
                var delta = WeightDeltaFormat.Read(bytes, FacesModel.Name, generator.ConvLayers);
                var tuned = Measure(generator, distance, pivot.Latent, delta, target);
                yield return Add(method, tuned.Psnr, tuned.Distance, seconds, bytes.Length, tuning.CompletedSteps);
            }
        }

        foreach (var (method, list) in results)
        {
            yield return new Dictionary<string, object>
            {
                ["suite"] = "pti",
                ["model"] = FacesModel.Name,
                ["method"] = method,
                ["faces"] = list.Count,
                ["steps"] = Math.Round(list.Average(r => r.Steps), 1),
                ["psnr_db"] = Math.Round(list.Average(r => r.Psnr), 2),
                ["perceptual_distance"] = Math.Round(list.Average(r => r.Distance), 4),
                ["seconds_per_face"] = Math.Round(list.Average(r => r.Seconds), 1),
                ["delta_bytes"] = list.Max(r => r.Bytes),
            };
        }
    }

    private static ProjectionResult Project(LatentProjector projector, RgbImage image, InversionOptions options)
    {
        using var projection = projector.Start(image, options);
        while (!projection.Finished)
            projection.Step().Dispose();
        return projection.Best;
    }

    private static (double Psnr, double Distance) Measure(ImageGenerator generator, ResNetPerceptualDistance distance, float[] latent, WeightDelta? delta, Tensor target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var deltas = delta?.ToConvWeightDeltas(generator.Device);
        using var result = generator.Synthesize(tensor(latent, [1, generator.NumWs, generator.WDim], device: generator.Device), new SynthesisOptions { ConvWeightDeltas = deltas });
        var image = result.Image!.clamp(-1, 1);
        var mse = image.sub(target).square().mean().item<float>() / 4.0;
        return (10 * Math.Log10(1 / mse), distance.Distance(image, target).item<float>());
    }
}
