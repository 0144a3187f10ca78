using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DragGan.Engine.Checkpoints;
using DragGan.Engine.Imaging;
using DragGan.Faces;
using DragGan.Training.Adversarial;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Training.Generators;

/// <summary>
/// Fits a StyleGAN2 generator to the face renderer (the supervised fit): for z ~ N(0, I) the
/// target is the render of <see cref="FaceLatentMap"/>(z), and the loss is the L1 distance of the
/// images plus the L1 distance of their 4x4-pooled versions. Adam, an exponential moving average
/// of the weights (the model that is exported), and the running mean of w as the reference tracks it.
/// With <see cref="GeneratorRecipe.AdversarialWeight"/> above 0 the loss adds the adversarial term
/// of <see cref="AdversarialTerm"/>, whose discriminator trains beside the generator.
/// Checkpoints (float32 weights, the moving average, both optimisers' moments, the discriminator)
/// go to the output folder every few minutes; a run started on a folder with a checkpoint continues
/// from it. A new run starts from the official initialisation or from <paramref name="initialModel"/>.
/// </summary>
internal sealed class GeneratorTrainer(GeneratorRecipe recipe, string outputDirectory, TextWriter log, string? initialModel = null)
{
    public const string StateFile = "train-state.safetensors";
    public const string OptimizerFile = "train-adam.dat";
    public const string EmaFile = "train-ema.safetensors";
    public const string ProgressFile = "progress.json";
    public const string PreviewFile = "preview.png";
    public const int ValidationCount = 16;

    public string ModelFile => Path.Combine(outputDirectory, $"faces-{recipe.Resolution}.safetensors");

    public void Run(TimeSpan duration, TimeSpan checkpointEvery, long maxImages)
    {
        Directory.CreateDirectory(outputDirectory);
        set_num_threads(Math.Max(1, Environment.ProcessorCount));
        var map = new FaceLatentMap(recipe.ZDim);
        var statePath = Path.Combine(outputDirectory, StateFile);
        var emaPath = Path.Combine(outputDirectory, EmaFile);
        var progressPath = Path.Combine(outputDirectory, ProgressFile);

        var resumed = File.Exists(statePath) && File.Exists(emaPath);
        using var generator = resumed ? LoadTrainable(statePath) : initialModel is null ? Initialise() : LoadTrainable(initialModel);
        var ema = resumed ? LoadEma(emaPath, generator) : generator.Parameters.Select(p => p.detach().clone()).ToArray();
        var progress = resumed ? TrainingProgress.Load(progressPath) : new TrainingProgress();
        log.WriteLine(Invariant($"{(resumed ? "Resuming" : initialModel is null ? "Starting" : $"Starting from {initialModel}")} at {progress.ImagesSeen} images; {generator.Parameters.Sum(p => p.numel())} trained values; threads {get_num_threads()}."));

        using var optimizer = optim.Adam(generator.Parameters,
            recipe.LearningRate, beta1: 0.9, beta2: 0.99);
        var optimizerPath = Path.Combine(outputDirectory, OptimizerFile);
        if (resumed && File.Exists(optimizerPath))
            optimizer.load_state_dict(optimizerPath);
        using var adversary = recipe.AdversarialWeight > 0 ? CreateAdversary() : null;
        // The warm-up counts from where the discriminator started: this run, or the run that saved it.
        var adversarialStart = adversary is null ? 0 : progress.AdversarialStartImages ?? progress.ImagesSeen;
        using var validationZ = randn([ValidationCount, recipe.ZDim], generator: new Generator(999, CPU));
        using var validationTarget = FaceBatch.Render(map, validationZ, recipe.Resolution);
        using var rng = new Generator((ulong)(recipe.LatentSeed + progress.ImagesSeen), CPU);

        var clock = Stopwatch.StartNew();
        var lastCheckpoint = clock.Elapsed;
        var imagesSeen = progress.ImagesSeen;
        var startImages = imagesSeen;
        var startSeconds = progress.Seconds;
        double lossSum = 0, discriminatorLossSum = 0;
        var lossCount = 0;
        while (clock.Elapsed < duration && imagesSeen < maxImages)
        {
            using (var scope = NewDisposeScope())
            {
                var z = randn([recipe.BatchSize, recipe.ZDim], generator: rng);
                var target = FaceBatch.Render(map, z, recipe.Resolution);
                var w = generator.Map(z);
                var image = generator.Synthesize(w);
                var loss = F.l1_loss(image, target).add(F.l1_loss(F.avg_pool2d(image, 4), F.avg_pool2d(target, 4)).mul(recipe.PooledLossWeight));
                if (adversary is not null)
                {
                    discriminatorLossSum += adversary.TrainDiscriminator(target, image);
                    var weight = recipe.AdversarialWeightAt(imagesSeen - adversarialStart);
                    if (weight > 0)
                        loss = loss.add(adversary.GeneratorLoss(image).mul(weight));
                }
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                generator.TrackWAverage(w);
                UpdateEma(ema, generator.Parameters, imagesSeen);
                lossSum += loss.item<float>();
                lossCount++;
            }
            imagesSeen += recipe.BatchSize;

            var done = clock.Elapsed >= duration || imagesSeen >= maxImages;
            if (clock.Elapsed - lastCheckpoint >= checkpointEvery || done)
            {
                lastCheckpoint = clock.Elapsed;
                var seconds = startSeconds + clock.Elapsed.TotalSeconds;
                var validation = SaveCheckpoint(generator, ema, validationZ, validationTarget, imagesSeen, seconds);
                optimizer.save_state_dict(optimizerPath);
                adversary?.Save(outputDirectory);
                double? discriminatorLoss = adversary is null ? null : Math.Round(discriminatorLossSum / Math.Max(lossCount, 1), 5);
                progress = progress with { ImagesSeen = imagesSeen, Seconds = seconds, AdversarialStartImages = adversary is null ? null : adversarialStart };
                progress.History.Add(new TrainingSnapshot(imagesSeen, Math.Round(seconds, 1), Math.Round(lossSum / Math.Max(lossCount, 1), 5), Math.Round(validation, 5), discriminatorLoss));
                progress.Save(progressPath);
                log.WriteLine(Invariant($"{imagesSeen,8} images  {seconds / 60,6:F1} min  train loss {lossSum / Math.Max(lossCount, 1):F4}  validation L1 {validation:F4}{(discriminatorLoss is { } d ? $"  discriminator loss {d:F4}" : "")}  ({clock.Elapsed.TotalMilliseconds / (imagesSeen - startImages):F0} ms per image)"));
                lossSum = 0;
                discriminatorLossSum = 0;
                lossCount = 0;
            }
        }
        foreach (var tensor in ema)
            tensor.Dispose();
    }

    private AdversarialTerm CreateAdversary()
    {
        var discriminator = new TrainableDiscriminator(recipe.Resolution, recipe.ChannelBase, recipe.DiscriminatorChannelMax, recipe.WeightSeed + 1);
        var adversary = new AdversarialTerm(discriminator, recipe.DiscriminatorLearningRate, recipe.R1Gamma);
        if (adversary.TryLoad(outputDirectory))
            log.WriteLine("Discriminator resumed from its checkpoint.");
        return adversary;
    }

    private TrainableGenerator Initialise()
    {
        var generator = TrainableGenerator.Initialise(recipe.GeneratorConfig(), recipe.WeightSeed);
        using var noGrad = no_grad();
        foreach (var (name, tensor) in generator.Tensors.Where(t => t.Key.EndsWith(".torgb.weight", StringComparison.Ordinal)))
            tensor.mul_(recipe.ToRgbInitGain);
        return generator;
    }

    /// <summary>StyleGAN2-ADA's G_ema update: beta = 0.5^(batch / half-life), the half-life ramped up to 5% of the images seen.</summary>
    private void UpdateEma(Tensor[] ema, IReadOnlyList<Tensor> parameters, long imagesSeen)
    {
        var halfLife = Math.Min(recipe.EmaHalfLifeImages, Math.Max(imagesSeen, 1) * 0.05);
        var beta = Math.Pow(0.5, recipe.BatchSize / Math.Max(halfLife, 1e-8));
        using var noGrad = no_grad();
        for (var i = 0; i < ema.Length; i++)
            ema[i].copy_(parameters[i].detach().lerp(ema[i], beta));
    }

    private double SaveCheckpoint(TrainableGenerator generator, Tensor[] ema, Tensor validationZ, Tensor validationTarget, long imagesSeen, double seconds)
    {
        using var state = generator.Export();
        NativeCheckpointFormat.Write(state, Path.Combine(outputDirectory, StateFile));
        using var emaCheckpoint = EmaCheckpoint(generator, ema);
        NativeCheckpointFormat.Write(emaCheckpoint, Path.Combine(outputDirectory, EmaFile));
        var metadata = new Dictionary<string, string>
        {
            ["draggan.training"] = JsonSerializer.Serialize(new { method = recipe.AdversarialWeight > 0 ? "fit to the face renderer, L1 with an adversarial term" : "supervised fit to the face renderer", recipe, initial_model = initialModel is null ? null : Path.GetFileName(initialModel), images_seen = imagesSeen, seconds = Math.Round(seconds) }),
            ["draggan.face_latent_map_seed"] = FaceLatentMap.DefaultSeed.ToString(CultureInfo.InvariantCulture),
        };
        NativeCheckpointFormat.Write(emaCheckpoint, ModelFile, new NativeCheckpointWriteOptions { Precision = NativeTensorPrecision.Float16, Metadata = metadata });

        using var emaGenerator = TrainableGenerator.FromCheckpoint(emaCheckpoint);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var images = emaGenerator.Synthesize(emaGenerator.Map(validationZ));
        var res = recipe.Resolution;
        var grid = cat([images, validationTarget], 0).reshape(4, 8, 3, res, res).permute(2, 0, 3, 1, 4).reshape(1, 3, 4 * res, 8 * res);
        File.WriteAllBytes(Path.Combine(outputDirectory, PreviewFile), ImageCodec.Encode(grid));
        return F.l1_loss(images, validationTarget).item<float>();
    }

    private static GeneratorCheckpoint EmaCheckpoint(TrainableGenerator generator, Tensor[] ema)
    {
        var trained = generator.ParameterNames.Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i);
        var tensors = generator.Tensors.ToDictionary(
            p => p.Key,
            p => (trained.TryGetValue(p.Key, out var i) ? ema[i] : p.Value).detach().clone(),
            StringComparer.Ordinal);
        return new GeneratorCheckpoint(generator.Config, tensors);
    }

    private TrainableGenerator LoadTrainable(string path)
    {
        using var checkpoint = NativeCheckpointFormat.Read(path);
        if (checkpoint.Config != recipe.GeneratorConfig())
            throw new InvalidOperationException($"'{path}' holds a generator of another shape ({checkpoint.Config}); use another output folder or the same recipe.");
        return TrainableGenerator.FromCheckpoint(checkpoint);
    }

    private static Tensor[] LoadEma(string path, TrainableGenerator generator)
    {
        using var checkpoint = NativeCheckpointFormat.Read(path);
        return generator.ParameterNames.Select(name => checkpoint.Tensors[name].to(ScalarType.Float32).detach().clone()).ToArray();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
