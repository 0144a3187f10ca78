using System.Diagnostics;
using System.Numerics;
using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Inversion;
using DragGan.Engine.Models;
using DragGan.Engine.Networks;
using DragGan.Engine.Perceptual;
using DragGan.Engine.Tuning;
using DragGan.Faces.Detection;
using DragGan.Faces.Evaluation;
using DragGan.Faces.Rendering;
using static TorchSharp.torch;

namespace DragGan.Benchmarks;

/// <summary>Settings of the pivotal-tuning suite (<c>--suite pti</c>).</summary>
internal sealed record PivotalTuningBenchmarkOptions
{
    /// <summary>Unseen renders (<see cref="UnseenFaces"/>): faces with a detail the model never saw, with true landmarks.</summary>
    public int Faces { get; init; } = 4;

    /// <summary>Real photographs: "path" or "path@x,y,side" (a square crop in the file's pixels), resized to the model's side.</summary>
    public string[] Photos { get; init; } = [];

    /// <summary>Projection steps of both projections (W+ pixel-only and the W pivot).</summary>
    public int ProjectionSteps { get; init; } = 300;

    public int TuningSteps { get; init; } = PivotalTuningOptions.DefaultSteps;

    public int[] Ranks { get; init; } = [1, 2, 4, 8];

    public bool Full { get; init; } = true;

    /// <summary>Low-rank learning rates to compare (a row per rank and rate); empty for the engine's default.</summary>
    public double[] LowRankLearningRates { get; init; } = [];

    /// <summary>PTI's locality regularization weights to compare on the low-rank rows (0: off, the default).</summary>
    public double[] LocalityWeights { get; init; } = [0];

    /// <summary>Full tuning's learning rates to compare (a row per rate); empty for the engine's default.</summary>
    public double[] FullLearningRates { get; init; } = [];

    public double EarlyStopDistance { get; init; }

    /// <summary>Handle counts of the drags after each inversion (editability); empty for none.</summary>
    public int[] DragPoints { get; init; } = [1, 5];

    public int DragSteps { get; init; } = 200;

    /// <summary>Where to write each photo's pictures (target, reconstructions, after a drag); null for none.</summary>
    public string? ImageFolder { get; init; }
}

/// <summary>
/// Inversion of faces faces-128 never saw, then drags on the result, after the PTI paper's
/// protocol: (a) renders with a detail outside the model's training (<see cref="UnseenFaces"/>,
/// true landmarks known), (b) real photographs. Methods: W+ pixel-only projection (the engine's
/// default), W projection with pixel + perceptual loss (the pivot), low-rank pivotal tuning at
/// several ranks from that pivot, and full tuning of the synthesis convolutions. Per method:
/// PSNR, the perceptual distance (<see cref="ResNetPerceptualDistance"/>), the landmark error of
/// the reconstruction (a), seconds (tuning rows include their pivot's projection), delta bytes;
/// then 1- and 5-point drags from the reconstruction toward another face's landmarks (the face
/// benchmark's protocol): converged, MD by the detector, and the MSE outside the drag.
/// </summary>
internal static class PivotalTuningBenchmark
{
    public static IEnumerable<Dictionary<string, object>> Run(PivotalTuningBenchmarkOptions options, Device device)
    {
        using var checkpoint = FacesModel.CreateCheckpoint();
        using var generator = StyleGan2Generator.Create(checkpoint, device);
        using var distance = ResNetPerceptualDistance.Load(device: device);
        using var detector = LandmarkDetector.LoadBuiltIn();
        var projector = new LatentProjector(generator);
        _ = projector.Statistics;
        var resolution = generator.Resolution;
        var random = new System.Random(77);
        var rows = new List<Dictionary<string, object>>();

        var targets = new List<(string Set, string Name, RgbImage Image, Vector2[]? Landmarks)>();
        for (var face = 0; face < options.Faces; face++)
        {
            var (render, alteration) = UnseenFaces.Make(face, random, resolution);
            targets.Add(("unseen", $"{face + 1}-{alteration}", render.Image, render.Landmarks.ToArray()));
        }
        foreach (var photo in options.Photos)
            targets.Add(("photo", Path.GetFileNameWithoutExtension(photo.Split('@')[0]), LoadPhoto(photo, resolution), null));

        var targetIndex = -1;
        foreach (var (set, name, image, trueLandmarks) in targets)
        {
            // Every method's drags of one face go toward the same face: their rows compare.
            var dragSeed = ++targetIndex;
            using var target = ImageCodec.ToTensor(image, device);
            var pictures = new List<(string Method, Tensor Image)>();
            Dictionary<string, object> Row(string method, float[] latent, WeightDelta? delta, double seconds, long bytes, int steps)
            {
                var reconstruction = Reconstruct(generator, latent, delta);
                pictures.Add((method, reconstruction));
                var (psnr, perceptual) = Measure(distance, reconstruction, target);
                var detected = FaceDragBenchmark.Detect(detector, [reconstruction])[0];
                var row = new Dictionary<string, object>
                {
                    ["suite"] = "pti-face",
                    ["set"] = set,
                    ["face"] = name,
                    ["method"] = method,
                    ["steps"] = steps,
                    ["psnr_db"] = Math.Round(psnr, 2),
                    ["perceptual_distance"] = Math.Round(perceptual, 4),
                    ["landmark_error_px"] = trueLandmarks is null ? "-" : Math.Round(DragQualityMetrics.MeanDistance(detected, trueLandmarks), 2),
                    ["seconds"] = Math.Round(seconds, 1),
                    ["delta_bytes"] = bytes,
                };
                foreach (var points in options.DragPoints)
                {
                    var drag = DragAfterInversion(generator, detector, latent, delta, detected, points, options.DragSteps, seed: dragSeed * 100 + points);
                    row[$"drag{points}_converged"] = drag.Converged;
                    row[$"drag{points}_md_px"] = Math.Round(drag.MeanDistance, 2);
                    row[$"drag{points}_md_no_edit_px"] = Math.Round(drag.MeanDistanceBefore, 2);
                    row[$"drag{points}_mse_outside"] = Math.Round(drag.MseOutside, 5);
                    if (points == options.DragPoints[0])
                        pictures.Add(($"{method}-drag{points}", drag.Edited));
                }
                rows.Add(row);
                return row;
            }

            var clock = Stopwatch.StartNew();
            var wPlus = Project(projector, image, new InversionOptions { Steps = options.ProjectionSteps });
            yield return Row("wplus-pixel", wPlus.Latent, null, clock.Elapsed.TotalSeconds, 0, options.ProjectionSteps);

            clock.Restart();
            var pivot = Project(projector, image, PivotalTuningOptions.PivotProjection(distance, options.ProjectionSteps));
            var pivotSeconds = clock.Elapsed.TotalSeconds;
            yield return Row("w-perceptual", pivot.Latent, null, pivotSeconds, 0, options.ProjectionSteps);

            foreach (var (method, tuningOptions) in Tunings(options))
            {
                clock.Restart();
                using var tuning = new PivotalTuning(generator, FacesModel.Name, target, pivot.Latent, distance, tuningOptions);
                while (!tuning.Finished)
                    tuning.Step().Dispose();
                var bytes = WeightDeltaFormat.Write(tuning.Delta());
                var seconds = clock.Elapsed.TotalSeconds + pivotSeconds;
                // Measured as it travels: the delta read back from its bytes.
                var delta = WeightDeltaFormat.Read(bytes, FacesModel.Name, generator.ConvLayers);
                yield return Row(method, pivot.Latent, delta, seconds, bytes.Length, tuning.CompletedSteps);
            }

            if (options.ImageFolder is { } folder && set == "photo")
                SavePictures(folder, name, target, pictures);
            foreach (var (_, picture) in pictures)
                picture.Dispose();
        }

        foreach (var group in rows.GroupBy(r => ((string)r["set"], (string)r["method"])))
        {
            var list = group.ToList();
            var summary = new Dictionary<string, object>
            {
                ["suite"] = "pti",
                ["model"] = FacesModel.Name,
                ["set"] = group.Key.Item1,
                ["method"] = group.Key.Item2,
                ["faces"] = list.Count,
            };
            foreach (var key in list[0].Keys.Where(k => k is not ("suite" or "set" or "face" or "method")))
            {
                var values = list.Select(r => r[key]).ToArray();
                summary[key] = values.All(v => v is bool) ? $"{values.Count(v => (bool)v)}/{values.Length}"
                    : values.All(v => v is double or int or long) ? Math.Round(values.Average(Convert.ToDouble), key.Contains("mse") ? 5 : 2)
                    : "-";
            }
            yield return summary;
        }
    }

    private static IEnumerable<(string Method, PivotalTuningOptions Options)> Tunings(PivotalTuningBenchmarkOptions options)
    {
        var rates = options.LowRankLearningRates.Length > 0 ? options.LowRankLearningRates.Select(r => (double?)r).ToArray() : [null];
        foreach (var rank in options.Ranks)
        {
            foreach (var rate in rates)
            {
                foreach (var locality in options.LocalityWeights)
                {
                    var name = (rate is null ? $"pti-lowrank-r{rank}" : FormattableString.Invariant($"pti-lowrank-r{rank}-lr{rate}"))
                        + (locality > 0 ? FormattableString.Invariant($"-loc{locality}") : "");
                    yield return (name, new PivotalTuningOptions
                    {
                        Rank = rank, Steps = options.TuningSteps, LearningRate = rate, EarlyStopDistance = options.EarlyStopDistance, LocalityWeight = locality,
                    });
                }
            }
        }
        if (!options.Full)
            yield break;
        foreach (var rate in options.FullLearningRates.Length > 0 ? options.FullLearningRates.Select(r => (double?)r).ToArray() : [null])
        {
            yield return (rate is null ? "pti-full" : FormattableString.Invariant($"pti-full-lr{rate}"),
                new PivotalTuningOptions { Mode = TuningMode.Full, Steps = options.TuningSteps, LearningRate = rate, EarlyStopDistance = options.EarlyStopDistance });
        }
    }

    /// <summary>
    /// A drag of <paramref name="points"/> landmarks of the reconstruction toward those of a generated
    /// face (seeded), as the face benchmark's pairs: did it converge, MD to the targets before and
    /// after by the detector, and how much the image changed away from the points.
    /// </summary>
    private static (bool Converged, double MeanDistance, double MeanDistanceBefore, double MseOutside, Tensor Edited) DragAfterInversion(
        StyleGan2Generator generator, LandmarkDetector detector, float[] latent, WeightDelta? delta, Vector2[] landmarks, int points, int maxSteps, int seed)
    {
        var random = new System.Random(1000 + seed);
        var resolution = generator.Resolution;
        var subset = Enumerable.Range(0, FaceLandmarks.Count).OrderBy(_ => random.Next()).Take(points).ToArray();
        using var other = FaceDragBenchmark.MapSeed(generator, 5000 + seed, psi: 1);
        using var otherImage = FaceDragBenchmark.Render(generator, other);
        var destinations = FaceDragBenchmark.Detect(detector, [otherImage])[0];
        var handles = subset.Select(i => landmarks[i]).ToArray();
        var targets = subset.Select(i => destinations[i]).ToArray();
        using var w0 = tensor(latent, [generator.NumWs, generator.WDim], device: generator.Device);
        using var edit = DragEdit.Start(generator, w0,
            handles.Zip(targets, (h, t) => (FaceDragBenchmark.ToPixel(h, resolution), FaceDragBenchmark.ToPixel(t, resolution))).ToArray(),
            parameters: new DragParameters { LearningRate = FacesModel.DefaultLearningRate, MaxSteps = maxSteps },
            weightDelta: delta);
        var stepper = new DragStepper(generator);
        while (!edit.Finished)
        {
            foreach (var result in stepper.Step([edit]))
                result.Dispose();
        }
        using var before = Reconstruct(generator, latent, delta);
        var edited = ImageCodec.ToTensor(edit.RenderCurrent(), generator.Device);
        var after = FaceDragBenchmark.Detect(detector, [edited])[0];
        var mse = DragQualityMetrics.MseOutsidePoints(ImageCodec.ToRgb(before.squeeze(0)), ImageCodec.ToRgb(edited.squeeze(0)),
            handles.Zip(targets).ToArray(), FaceDragBenchmark.FidelityExclusionRadius(resolution));
        return (edit.Converged, DragQualityMetrics.MeanDistance(subset.Select(i => after[i]).ToArray(), targets),
            DragQualityMetrics.MeanDistance(handles, targets), mse, edited);
    }

    private static RgbImage LoadPhoto(string spec, int resolution)
    {
        var parts = spec.Split('@');
        var image = ImageCodec.Decode(File.ReadAllBytes(parts[0]));
        if (parts.Length > 1)
        {
            var box = parts[1].Split(',').Select(int.Parse).ToArray();
            var (x0, y0, side) = (box[0], box[1], box[2]);
            var pixels = new byte[side * side * 3];
            for (var y = 0; y < side; y++)
                Array.Copy(image.Pixels, ((y0 + y) * image.Width + x0) * 3, pixels, y * side * 3, side * 3);
            image = new RgbImage(side, side, pixels);
        }
        return ImageCodec.Resize(image, resolution, resolution);
    }

    private static ProjectionResult Project(LatentProjector projector, RgbImage image, InversionOptions options)
    {
        using var projection = projector.Start(image, options);
        while (!projection.Finished)
            projection.Step().Dispose();
        return projection.Best;
    }

    /// <summary>The latent rendered with constant noise and the delta, [1, 3, R, R] in [-1, 1].</summary>
    private static Tensor Reconstruct(ImageGenerator generator, float[] latent, WeightDelta? delta)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var deltas = delta?.ToConvWeightDeltas(generator.Device);
        using var result = generator.Synthesize(tensor(latent, [1, generator.NumWs, generator.WDim], device: generator.Device), new SynthesisOptions { ConvWeightDeltas = deltas });
        return result.Image!.clamp(-1, 1).MoveToOuterDisposeScope();
    }

    private static (double Psnr, double Distance) Measure(ResNetPerceptualDistance distance, Tensor image, Tensor target)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var mse = image.sub(target).square().mean().item<float>() / 4.0;
        return (10 * Math.Log10(1 / mse), distance.Distance(image, target).item<float>());
    }

    /// <summary>One row per photo: the target, then each method's reconstruction and its first drag.</summary>
    private static void SavePictures(string folder, string name, Tensor target, List<(string Method, Tensor Image)> pictures)
    {
        Directory.CreateDirectory(folder);
        using var row = cat([target, .. pictures.Select(p => p.Image)], 3);
        File.WriteAllBytes(Path.Combine(folder, $"pti-{name}.png"), ImageCodec.Encode(row));
        File.WriteAllText(Path.Combine(folder, $"pti-{name}.txt"), "target, " + string.Join(", ", pictures.Select(p => p.Method)) + Environment.NewLine);
    }
}
