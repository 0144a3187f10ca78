using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DragGan.Faces.Detection;
using DragGan.Faces.Rendering;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Training.Detection;

/// <summary>
/// Trains <see cref="LandmarkDetector"/> on fresh random renders drawn at its input size, 128x128,
/// each made to look generated (<see cref="GeneratedLook"/>), with Adam on the mean absolute error
/// of the landmark positions in pixels; the learning rate follows a cosine from 1e-3 down to 2% of
/// it over the run's time. Weights and the image count are saved every few minutes, and a run on a
/// folder that holds them continues from them (Adam's moments start afresh). Then measures the mean
/// landmark error in pixels on held-out renders at the generator's resolution, beside the error of
/// answering every face with the landmarks' mean positions, and writes the weights and the figures.
/// </summary>
internal sealed class DetectorTrainer(string outputDirectory, TextWriter log)
{
    public const string WeightsFile = "landmark-detector.dat";
    public const string ReportFile = "detector.json";
    public const string ProgressFile = "detector-progress.json";

    public const int MeanSampleCount = 512;

    private const double PeakLearningRate = 1e-3;

    public DetectorAccuracy Run(TimeSpan duration, int resolution = 128, int batchSize = 16, int heldOut = 512, TimeSpan? checkpointEvery = null)
    {
        const int trainingResolution = LandmarkDetector.InputResolution;
        Directory.CreateDirectory(outputDirectory);
        set_num_threads(Math.Max(1, Environment.ProcessorCount));
        var weightsPath = Path.Combine(outputDirectory, WeightsFile);
        var progressPath = Path.Combine(outputDirectory, ProgressFile);
        var resumed = File.Exists(weightsPath) && File.Exists(progressPath);
        using var detector = new LandmarkDetector();
        var progress = resumed ? DetectorProgress.Load(progressPath) : new DetectorProgress(0, 0);
        if (resumed)
            detector.load(weightsPath);
        detector.train();
        log.WriteLine(Invariant($"{(resumed ? "Resuming" : "Starting")} at {progress.Images} images; threads {get_num_threads()}."));
        var random = new System.Random(21 + (int)(progress.Images % 100_000));
        using var optimizer = optim.Adam(detector.parameters(), PeakLearningRate);

        var clock = Stopwatch.StartNew();
        var lastCheckpoint = TimeSpan.Zero;
        var every = checkpointEvery ?? TimeSpan.FromMinutes(5);
        long images = 0;
        double recentLoss = 0;
        while (clock.Elapsed < duration)
        {
            var fraction = clock.Elapsed / duration;
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = PeakLearningRate * (0.02 + 0.98 * 0.5 * (1 + Math.Cos(Math.PI * fraction)));
            using var scope = NewDisposeScope();
            var (batch, truth) = LandmarkBatch.Render(random, batchSize, trainingResolution);
            var loss = F.l1_loss(detector.forward(GeneratedLook.Apply(batch, random)), truth);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            images += batchSize;
            recentLoss += loss.item<float>();
            if (images % (batchSize * 50) == 0)
            {
                log.WriteLine(Invariant($"{progress.Images + images,8} images  {clock.Elapsed.TotalMinutes,5:F1} min  mean abs error {recentLoss / 50:F3} px per coordinate at {trainingResolution}"));
                recentLoss = 0;
            }
            if (clock.Elapsed - lastCheckpoint >= every)
            {
                lastCheckpoint = clock.Elapsed;
                Checkpoint(detector, progress with { Images = progress.Images + images, Seconds = progress.Seconds + clock.Elapsed.TotalSeconds }, weightsPath, progressPath);
            }
        }

        var total = progress with { Images = progress.Images + images, Seconds = Math.Round(progress.Seconds + clock.Elapsed.TotalSeconds) };
        Checkpoint(detector, total, weightsPath, progressPath);
        using var meanFractions = MeanFractions(new System.Random(5), MeanSampleCount);
        var accuracy = Evaluate(detector, new System.Random(7), heldOut, resolution) with
        {
            TrainingImages = total.Images,
            TrainingSeconds = total.Seconds,
            MeanPositionsErrorPixels = MeanPositionsError(meanFractions, new System.Random(7), heldOut, resolution),
        };
        File.WriteAllText(Path.Combine(outputDirectory, ReportFile), JsonSerializer.Serialize(accuracy, new JsonSerializerOptions { WriteIndented = true }));
        log.WriteLine(Invariant($"Held-out renders: mean error {accuracy.MeanErrorPixels:F2} px at {resolution} px ({heldOut} faces); the mean positions: {accuracy.MeanPositionsErrorPixels:F2} px."));
        return accuracy;
    }

    private static void Checkpoint(LandmarkDetector detector, DetectorProgress progress, string weightsPath, string progressPath)
    {
        detector.save(weightsPath);
        progress.Save(progressPath);
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
