using DragGan.Engine.Drags;
using DragGan.Engine.Inversion;
using DragGan.Engine.Networks;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Tuning;

/// <summary>
/// Pivotal tuning's second stage (PTI, Roich et al. 2022): with the latent fixed at the pivot (the
/// projection's w), the generator is tuned until it draws the target there. Here the tuned weights
/// are per-photo deltas of the synthesis convolutions (<see cref="ConvDeltaParameters"/>; toRGB is
/// left alone, as HyperStyle found it hurts editability), never the shared weights: each forward
/// passes them as <see cref="SynthesisOptions.ConvWeightDeltas"/>. Loss: pixel MSE (pixels in
/// [-1, 1]) plus the perceptual distance, Adam at a constant learning rate, constant noise, early
/// stop on the perceptual distance, as PTI. The caller drives the loop; not thread-safe.
/// </summary>
public sealed class PivotalTuning : IDisposable
{
    private readonly string _modelId;
    private readonly PivotalTuningOptions _options;
    private readonly Tensor _target;
    private readonly Tensor _pivot;
    private readonly IPerceptualTarget _perceptual;
    private readonly ConvDeltaParameters _parameters;
    private readonly LatentAdam[] _adam;
    private readonly IPerceptualDistance _distance;
    private readonly System.Random _localitySeeds;

    /// <param name="generator">A StyleGAN2-family generator (it takes convolution weight deltas).</param>
    /// <param name="modelId">The model's id, written into the delta.</param>
    /// <param name="target">[1, 3, R, R] in [-1, 1] at the generator's resolution; copied.</param>
    /// <param name="pivot">The pivot's w+, num_ws * w_dim values.</param>
    public PivotalTuning(ImageGenerator generator, string modelId, Tensor target, float[] pivot, IPerceptualDistance distance, PivotalTuningOptions? options = null)
    {
        options ??= new PivotalTuningOptions();
        if (generator.ConvLayers.Count == 0)
            throw new ArgumentException($"A {generator.Kind} generator takes no convolution weight deltas.", nameof(generator));
        if (options.Steps < 1)
            throw new ArgumentException($"tuning.Steps must be positive, got {options.Steps}.", "tuning.Steps");
        if (options.Mode == TuningMode.LowRank && options.Rank is < 1 or > WeightDeltaFormat.MaxRank)
            throw new ArgumentException($"tuning.Rank must be in 1..{WeightDeltaFormat.MaxRank}, got {options.Rank}.", "tuning.Rank");
        if (options.EffectiveLearningRate is not (> 0 and <= 1))
            throw new ArgumentException($"tuning.LearningRate must be in (0, 1], got {options.EffectiveLearningRate}.", "tuning.LearningRate");
        if (options.LocalityWeight < 0 || options.LocalityInterval < 1)
            throw new ArgumentException(
                $"tuning.LocalityWeight must be at least 0 and tuning.LocalityInterval at least 1, got {options.LocalityWeight} and {options.LocalityInterval}.", "tuning.LocalityWeight");
        if (pivot.Length != generator.NumWs * generator.WDim)
            throw new ArgumentException($"The pivot must hold {generator.NumWs} x {generator.WDim} values, got {pivot.Length}.", nameof(pivot));
        if (target.dim() != 4 || target.shape[0] != 1 || target.shape[2] != generator.Resolution || target.shape[3] != generator.Resolution)
            throw new ArgumentException($"The target must be [1, 3, {generator.Resolution}, {generator.Resolution}], got [{string.Join(", ", target.shape)}].", nameof(target));

        Generator = generator;
        _modelId = modelId;
        _options = options;
        // First, before this tuning owns anything: preparing the target may fail.
        _perceptual = distance.Prepare(target);
        _distance = distance;
        _localitySeeds = new System.Random(unchecked((int)options.Seed));
        _target = target.detach().clone().DetachFromDisposeScope();
        _pivot = tensor(pivot, [1, generator.NumWs, generator.WDim], device: generator.Device).DetachFromDisposeScope();
        _parameters = new ConvDeltaParameters(generator.ConvLayers, options.Mode, options.Rank, generator.Device, options.Seed);
        _adam = _parameters.Tensors.Select(t => new LatentAdam(t)).ToArray();
    }

    public ImageGenerator Generator { get; }

    public PivotalTuningOptions Options => _options;

    public int CompletedSteps { get; private set; }

    public bool StoppedEarly { get; private set; }

    public bool Finished => StoppedEarly || CompletedSteps >= _options.Steps;

    /// <summary>Measures the current deltas on the target and, unless the early stop is reached, takes one Adam step.</summary>
    public TuningStepResult Step(bool renderPreview = false)
    {
        if (Finished)
            throw new InvalidOperationException("Pivotal tuning has finished.");
        using var scope = NewDisposeScope();
        var leaves = _parameters.Tensors.Select(t => t.detach().clone().requires_grad_(true)).ToArray();
        using var synthesis = Generator.Synthesize(_pivot, new SynthesisOptions
        {
            NoiseMode = NoiseMode.Const,
            ConvWeightDeltas = _parameters.Deltas(leaves),
            // Unfused: one weight (base + delta) shared by the batch of one; faster on CPU, the same function.
            FusedModulation = false,
        });
        var image = synthesis.Image!;
        var perceptual = _perceptual.DistanceTo(image);
        var loss = F.mse_loss(image, _target).mul(_options.PixelWeight).add(perceptual.mul(_options.PerceptualWeight));
        if (_options.LocalityWeight > 0 && CompletedSteps % _options.LocalityInterval == 0)
            loss = loss.add(LocalityLoss(leaves).mul(_options.LocalityWeight));
        var distance = perceptual.item<float>();
        var quality = ReconstructionQuality.Measure(image, _target);
        StoppedEarly = distance <= _options.EarlyStopDistance;
        if (!StoppedEarly)
        {
            loss.backward();
            for (var i = 0; i < leaves.Length; i++)
            {
                if (leaves[i].grad is { } gradient)
                    _adam[i].Step(_parameters.Tensors[i], gradient, _options.EffectiveLearningRate);
            }
            CompletedSteps++;
        }
        return new TuningStepResult
        {
            Step = CompletedSteps,
            TotalSteps = _options.Steps,
            Loss = loss.item<float>(),
            Psnr = quality.Psnr,
            Mse = quality.Mse,
            PerceptualDistance = distance,
            StoppedEarly = StoppedEarly,
            Preview = renderPreview ? image.detach().squeeze(0).clone().MoveToOuterDisposeScope() : null,
        };
    }

    /// <summary>
    /// PTI's locality regularization term: at w_r, <see cref="PivotalTuningOptions.LocalityDistance"/>
    /// from the pivot toward the next seed's w (each row's direction normalised), pixel MSE plus the
    /// perceptual distance between the tuned generator's image and the untouched one's.
    /// </summary>
    private Tensor LocalityLoss(Tensor[] leaves)
    {
        using var w = Generator.MapSeed(_localitySeeds.Next());
        using var direction = w.sub(_pivot);
        using var wr = _pivot.add(direction.div(direction.norm(-1, keepdim: true).clamp_min(1e-8)).mul(_options.LocalityDistance));
        Tensor untouched;
        using (no_grad())
        {
            using var reference = Generator.Synthesize(wr, new SynthesisOptions { NoiseMode = NoiseMode.Const });
            untouched = reference.Image!.detach().clone();
        }
        using var tuned = Generator.Synthesize(wr, new SynthesisOptions
        {
            NoiseMode = NoiseMode.Const,
            ConvWeightDeltas = _parameters.Deltas(leaves),
            FusedModulation = false,
        });
        using var perceptual = _distance.Prepare(untouched);
        return F.mse_loss(tuned.Image!, untouched).add(perceptual.DistanceTo(tuned.Image!));
    }

    /// <summary>The tuned delta as it travels (fp16 values).</summary>
    public WeightDelta Delta() => _parameters.Export(_modelId);

    public void Dispose()
    {
        _target.Dispose();
        _pivot.Dispose();
        _perceptual.Dispose();
        _parameters.Dispose();
        foreach (var adam in _adam)
            adam.Dispose();
    }
}
