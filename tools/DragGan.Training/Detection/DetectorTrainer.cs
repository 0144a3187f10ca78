using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DragGan.Faces.Detection;
using DragGan.Faces.Rendering;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Training.Detection;

/// <summary>
/// Trains <see cref="LandmarkDetector"/> on fresh random renders drawn at its input size, 64x64
/// (the renderer's anti-aliasing averages each pixel's area, as the detector's own reduction of a
/// larger image does; half of each batch is softened by a 3x3 box blur, as generated images are
/// softer than renders), with Adam on the mean squared error of the landmark positions as
/// fractions of the image side, starting from the mean positions of a first set of renders; the
/// learning rate drops tenfold for the last fifth of the run. Then measures the mean landmark
/// error in pixels on held-out renders at the generator's resolution, beside the error of
/// answering every face with those mean positions, and writes the weights and the figures.
/// </summary>
internal sealed class DetectorTrainer(string outputDirectory, TextWriter log)
{
    public const string WeightsFile = "landmark-detector.dat";
    public const string ReportFile = "detector.json";

    public const int MeanSampleCount = 512;

    public DetectorAccuracy Run(TimeSpan duration, int resolution = 256, int batchSize = 16, int heldOut = 512)
    {
        const int trainingResolution = LandmarkDetector.InputResolution;
        Directory.CreateDirectory(outputDirectory);
        set_num_threads(Math.Max(1, Environment.ProcessorCount));
        var random = new System.Random(21);
        using var meanFractions = MeanFractions(random, MeanSampleCount);
        using var detector = new LandmarkDetector();
        detector.StartFrom(meanFractions);
        using var optimizer = optim.Adam(detector.parameters(), 1e-3);

        var clock = Stopwatch.StartNew();
        long images = 0;
        var lowered = false;
        while (clock.Elapsed < duration)
        {
            if (!lowered && clock.Elapsed > duration * 0.8)
            {
                foreach (var group in optimizer.ParamGroups)
                    group.LearningRate = 1e-4;
                lowered = true;
            }
            using var scope = NewDisposeScope();
            var (batch, truth) = LandmarkBatch.Render(random, batchSize, trainingResolution);
            var half = batchSize / 2;
            batch = cat([F.avg_pool2d(batch.narrow(0, 0, half), 3, stride: 1, padding: 1, count_include_pad: false), batch.narrow(0, half, batchSize - half)], 0);
            var loss = F.mse_loss(detector.forward(batch).div(trainingResolution), truth.div(trainingResolution));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            images += batchSize;
            if (images % (batchSize * 50) == 0)
                log.WriteLine(Invariant($"{images,7} images  {clock.Elapsed.TotalMinutes,5:F1} min  loss {loss.item<float>():E2}  (~{Math.Sqrt(loss.item<float>() * 2) * resolution:F2} px at {resolution})"));
        }

        detector.save(Path.Combine(outputDirectory, WeightsFile));
        var accuracy = Evaluate(detector, new System.Random(7), heldOut, resolution) with
        {
            TrainingImages = images,
            TrainingSeconds = Math.Round(clock.Elapsed.TotalSeconds),
            MeanPositionsErrorPixels = MeanPositionsError(meanFractions, new System.Random(7), heldOut, resolution),
        };
        File.WriteAllText(Path.Combine(outputDirectory, ReportFile), JsonSerializer.Serialize(accuracy, new JsonSerializerOptions { WriteIndented = true }));
        log.WriteLine(Invariant($"Held-out renders: mean error {accuracy.MeanErrorPixels:F2} px at {resolution} px ({heldOut} faces); the mean positions: {accuracy.MeanPositionsErrorPixels:F2} px."));
        return accuracy;
    }

    /// <summary>Every landmark's mean position over <paramref name="count"/> random renders, as fractions of the side: [<see cref="FaceLandmarks.Count"/>, 2].</summary>
    public static Tensor MeanFractions(System.Random random, int count)
    {
        using var scope = NewDisposeScope();
        var (_, landmarks) = LandmarkBatch.Render(random, count, LandmarkDetector.InputResolution);
        return landmarks.mean([0]).div(LandmarkDetector.InputResolution).MoveToOuterDisposeScope();
    }

    /// <summary>The baseline a detector must beat: the mean error of answering every held-out face with <paramref name="meanFractions"/>.</summary>
    public static double MeanPositionsError(Tensor meanFractions, System.Random random, int count, int resolution)
    {
        double total = 0;
        for (var done = 0; done < count; done += 64)
        {
            using var scope = NewDisposeScope();
            var (_, truth) = LandmarkBatch.Render(random, Math.Min(64, count - done), resolution);
            total += truth.sub(meanFractions.mul(resolution)).square().sum([2]).sqrt().sum().item<float>();
        }
        return Math.Round(total / count / FaceLandmarks.Count, 3);
    }

    /// <summary>Mean Euclidean landmark error, overall and per landmark, on renders the detector never saw.</summary>
    public static DetectorAccuracy Evaluate(LandmarkDetector detector, System.Random random, int count, int resolution)
    {
        detector.eval();
        using var noGrad = no_grad();
        var perLandmark = new double[FaceLandmarks.Count];
        for (var done = 0; done < count; done += 64)
        {
            using var scope = NewDisposeScope();
            var (images, truth) = LandmarkBatch.Render(random, Math.Min(64, count - done), resolution);
            var errors = detector.forward(images).sub(truth).square().sum([2]).sqrt().sum([0]).data<float>().ToArray();
            for (var i = 0; i < perLandmark.Length; i++)
                perLandmark[i] += errors[i];
        }
        detector.train();
        var byName = FaceLandmarks.All.ToDictionary(l => l.ToString(), l => Math.Round(perLandmark[(int)l] / count, 3));
        return new DetectorAccuracy(resolution, count, Math.Round(perLandmark.Sum() / count / FaceLandmarks.Count, 3), byName);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The detector's error on held-out renders, in pixels at <see cref="Resolution"/>.</summary>
public sealed record DetectorAccuracy(int Resolution, int Faces, double MeanErrorPixels, IReadOnlyDictionary<string, double> PerLandmarkPixels)
{
    /// <summary>The error of answering every face with the landmarks' mean positions: the figure to beat.</summary>
    public double MeanPositionsErrorPixels { get; init; }

    public long TrainingImages { get; init; }
    public double TrainingSeconds { get; init; }
}
