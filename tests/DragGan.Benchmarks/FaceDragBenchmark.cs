using System.Diagnostics;
using System.Numerics;
using DragGan.Engine.Drags;
using DragGan.Engine.Imaging;
using DragGan.Engine.Networks;
using DragGan.Faces.Detection;
using DragGan.Faces.Evaluation;
using DragGan.Faces.Rendering;
using static TorchSharp.torch;

namespace DragGan.Benchmarks;

/// <summary>
/// The face-landmark drag experiment after DragGAN's Table 1: pairs of generated faces; the
/// detector finds the landmarks of both; face 1's landmarks (1, 5 or all) are dragged onto face 2's;
/// the detector looks again. Reports the mean distance (MD, pixels) to the targets before ("no
/// edit") and after each engine's edit, the share of edits that converged, the time per edit, and
/// the MSE between edited and initial image away from the drag (pixels in [0, 1]). Every step's
/// image is also given to the detector, to tell whether the content follows the tracked handle:
/// the mean distance between the tracked handles and the detected landmarks they stand for, per
/// step (averaged over the pairs that ran that step) and on the final image.
/// </summary>
internal static class FaceDragBenchmark
{
    /// <summary>
    /// Pixels within this distance of a handle, a target or the segment between them are not counted
    /// by the fidelity figure: 24 px at 256 px, scaled with the image (12 px at 128).
    /// </summary>
    public static float FidelityExclusionRadius(int resolution) => 24f * resolution / 256;

    public static IEnumerable<Dictionary<string, object>> Run(StyleGan2Generator generator, LandmarkDetector detector, FaceBenchmarkOptions options)
    {
        var resolution = generator.Config.ImgResolution;
        var seeds = Enumerable.Range(0, 2 * options.Pairs).Select(i => options.FirstSeed + i).ToArray();
        var latents = seeds.Select(seed => MapSeed(generator, seed, options.Psi)).ToArray();
        var images = latents.Select(w => Render(generator, w)).ToArray();
        var landmarks = Detect(detector, images);
        var random = new System.Random(5);

        foreach (var count in options.PointCounts)
        {
            var subsets = Enumerable.Range(0, options.Pairs)
                .Select(_ => Enumerable.Range(0, FaceLandmarks.Count).OrderBy(_ => random.Next()).Take(count).ToArray()).ToArray();
            var before = Enumerable.Range(0, options.Pairs).Select(p =>
                DragQualityMetrics.MeanDistance(Pick(landmarks[2 * p], subsets[p]), Pick(landmarks[2 * p + 1], subsets[p]))).ToArray();
            yield return Row("no edit", count, options.Pairs, before.Average(), converged: double.NaN, secondsPerEdit: 0, steps: 0, mse: 0, HandleLag.None);

            foreach (var (engine, parameters) in options.Engines)
            {
                var after = new double[options.Pairs];
                var mse = new double[options.Pairs];
                var converged = 0;
                var steps = 0;
                var clock = new Stopwatch();
                var lag = new HandleLag(options.MaxSteps);
                for (var p = 0; p < options.Pairs; p++)
                {
                    var handles = Pick(landmarks[2 * p], subsets[p]);
                    var targets = Pick(landmarks[2 * p + 1], subsets[p]);
                    var points = handles.Zip(targets, (h, t) => (ToPixel(h, resolution), ToPixel(t, resolution))).ToArray();
                    clock.Start();
                    using var edit = DragEdit.Start(generator, latents[2 * p], points, parameters: parameters with { MaxSteps = options.MaxSteps, LearningRate = options.LearningRate });
                    var stepper = new DragStepper(generator);
                    while (!edit.Finished)
                    {
                        foreach (var result in stepper.Step([edit], [true]))
                        {
                            using (result)
                            {
                                clock.Stop();
                                using var image = result.Image!.clamp(-1, 1).unsqueeze(0);
                                lag.AddStep(result.Step, result.Handles, Pick(Detect(detector, [image])[0], subsets[p]));
                                clock.Start();
                            }
                        }
                    }
                    using var edited = edit.CurrentLatent();
                    var editedImage = Render(generator, edited);
                    clock.Stop();

                    converged += edit.Converged ? 1 : 0;
                    steps += edit.Step;
                    var detectedAfter = Pick(Detect(detector, [editedImage])[0], subsets[p]);
                    after[p] = DragQualityMetrics.MeanDistance(detectedAfter, targets);
                    lag.AddEnd(edit.Handles, detectedAfter);
                    mse[p] = DragQualityMetrics.MseOutsidePoints(ImageCodec.ToRgb(images[2 * p]), ImageCodec.ToRgb(editedImage),
                        handles.Zip(targets).ToArray(), FidelityExclusionRadius(resolution));
                    if (options.ImageFolder is { } folder && p == 0)
                        SavePair(folder, $"{engine}-{count}pt", images[2 * p], editedImage, images[2 * p + 1]);
                    editedImage.Dispose();
                }
                yield return Row(engine, count, options.Pairs, after.Average(), (double)converged / options.Pairs,
                    clock.Elapsed.TotalSeconds / options.Pairs, (double)steps / options.Pairs, mse.Average(), lag);
            }
        }
        foreach (var tensor in latents.Concat(images))
            tensor.Dispose();
    }

    private static Dictionary<string, object> Row(string engine, int points, int pairs, double md, double converged, double secondsPerEdit, double steps, double mse, HandleLag lag) => new()
    {
        ["suite"] = "faces-md",
        ["engine"] = engine,
        ["points"] = points,
        ["pairs"] = pairs,
        ["md_px"] = Math.Round(md, 2),
        ["converged"] = double.IsNaN(converged) ? "-" : Math.Round(converged, 3),
        ["seconds_per_edit"] = Math.Round(secondsPerEdit, 2),
        ["steps_per_edit"] = Math.Round(steps, 1),
        ["mse_outside_drag"] = Math.Round(mse, 5),
        ["handle_to_landmark_px_end"] = lag.EndMean is { } end ? Math.Round(end, 2) : "-",
        ["handle_to_landmark_px_by_step"] = lag.MeanByStep().Select(d => Math.Round(d, 2)).ToArray(),
    };

    internal static Tensor MapSeed(StyleGan2Generator generator, long seed, double psi)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return generator.MapSeed(seed, psi).MoveToOuterDisposeScope();
    }

    /// <summary>[1, num_ws, w_dim] -> the image [1, 3, H, W] with constant noise, as drags see it.</summary>
    internal static Tensor Render(StyleGan2Generator generator, Tensor ws)
    {
        using var noGrad = no_grad();
        using var result = generator.Synthesize(ws, new SynthesisOptions { NoiseMode = NoiseMode.Const });
        return result.Image!.clamp(-1, 1);
    }

    /// <summary>Landmarks of each [1, 3, H, W] image, in pixels (pixel centres at +0.5).</summary>
    internal static Vector2[][] Detect(LandmarkDetector detector, IReadOnlyList<Tensor> images)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var points = detector.forward(cat(images.ToArray(), 0)).data<float>().ToArray();
        return Enumerable.Range(0, images.Count)
            .Select(i => Enumerable.Range(0, FaceLandmarks.Count)
                .Select(k => new Vector2(points[(i * FaceLandmarks.Count + k) * 2], points[(i * FaceLandmarks.Count + k) * 2 + 1])).ToArray())
            .ToArray();
    }

    private static Vector2[] Pick(Vector2[] points, int[] subset) => subset.Select(i => points[i]).ToArray();

    /// <summary>The engine's pixel index as a landmark position (pixel centres at +0.5), the inverse of <see cref="ToPixel"/>.</summary>
    internal static Vector2 ToLandmark(PixelPoint point) => new((float)point.X + 0.5f, (float)point.Y + 0.5f);

    /// <summary>A landmark (pixel centres at +0.5) as the engine's pixel index, inside the image.</summary>
    internal static PixelPoint ToPixel(Vector2 point, int resolution) =>
        new(Math.Clamp(point.X - 0.5, 0, resolution - 1), Math.Clamp(point.Y - 0.5, 0, resolution - 1));

    private static void SavePair(string folder, string name, Tensor initial, Tensor edited, Tensor target)
    {
        Directory.CreateDirectory(folder);
        using var row = cat([initial, edited, target], 3);
        File.WriteAllBytes(Path.Combine(folder, $"faces-md-{name}.png"), ImageCodec.Encode(row));
    }
}

/// <summary>Settings of <see cref="FaceDragBenchmark"/>.</summary>
internal sealed record FaceBenchmarkOptions
{
    public int Pairs { get; init; } = 16;
    public long FirstSeed { get; init; } = 1000;
    public double Psi { get; init; } = 0.7;
    public int MaxSteps { get; init; } = 200;

    /// <summary>Adam's step size for every engine's edits: the reference's 0.001 unless a model needs its own (the faces model: 0.01).</summary>
    public double LearningRate { get; init; } = 0.001;
    public int[] PointCounts { get; init; } = [1, 5, FaceLandmarks.Count];
    public string? ImageFolder { get; init; }

    public IReadOnlyList<(string Name, DragParameters Parameters)> Engines { get; init; } =
    [
        ("draggan", new DragParameters()),
        ("stabledrag-gated", new DragParameters { Supervision = MotionSupervision.ConfidenceGated }),
        // The reference's tracking window scaled to the image without the floor (12 px at 512 is
        // 3 px at 128, against the floor's 6 px): a handle can jump half as far in one step.
        ("draggan-r2-paper", new DragParameters { TrackingRadius = 3 }),
    ];
}
