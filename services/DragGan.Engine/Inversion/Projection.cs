using DragGan.Engine.Drags;
using DragGan.Engine.Networks;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Inversion;

/// <summary>
/// One running GAN inversion: the search for the latent whose image reproduces a target, after
/// <c>project()</c> in projector.py of NVlabs/stylegan2-ada-pytorch (commit d72cc7d0). Each
/// <see cref="Step"/> is one of the reference's iterations: learning rate and w-noise from the
/// schedule (<see cref="InversionSchedule"/>), a forward of w + noise with the optimised noise
/// buffers, the loss, one Adam update of the latent and the buffers, and the buffers'
/// renormalisation. The caller drives the loop, so it can stream progress and stop at any step;
/// <see cref="Best"/> is the answer at any time. Created by <see cref="LatentProjector.Start(Imaging.RgbImage, InversionOptions?)"/>.
/// Not thread-safe.
/// </summary>
/// <remarks>
/// Deliberate differences from the reference:
/// <list type="bullet">
/// <item>Loss: the reference minimises only the LPIPS distance over VGG16 features (on images in
/// [0, 255], area-downsampled to 256 px if larger). Those weights are not available to the engine,
/// so the default loss is pixel-only: the mean squared error with pixels in [-1, 1].
/// A perceptual distance can be plugged in (<see cref="IPerceptualDistance"/>).</item>
/// <item>Space: the reference optimises one w (W); the default here is W+ (every row on its own,
/// more freedom to match an image the generator did not draw); W is available.</item>
/// <item>Result: the reference returns the latent of every step and uses the last; here the best
/// so far by MSE against the target (constant noise) is kept, so stopping early returns the
/// best, and each step measures the reconstruction with one extra forward without gradients.</item>
/// <item>Noise buffers are passed to the generator (<see cref="NoiseMode.Given"/>) instead of
/// written into a copy of it, and are drawn from the projection's seeded generator. As in the
/// reference, they only serve the optimisation: the result is rendered and measured with the
/// checkpoint's constant noise. <see cref="InversionOptions.OptimizeNoise"/> = false optimises
/// with constant noise instead.</item>
/// <item>The target must be square and is resized here (see <see cref="InversionTarget"/>);
/// the reference centre-crops and resizes with Lanczos before projecting.</item>
/// </list>
/// </remarks>
public sealed class Projection : IDisposable
{
    private readonly InversionOptions _options;
    private readonly double _wStd;
    private readonly Tensor _target;             // [1, 3, R, R], the generator's range
    private readonly IPerceptualTarget? _perceptual;
    private readonly Tensor _latent;             // [1, w_dim] (W) or [num_ws, w_dim] (W+)
    private readonly LatentAdam _latentAdam;
    private readonly Tensor[] _noise;            // one per noise input (NoiseShapes), or none
    private readonly LatentAdam[] _noiseAdam;
    private readonly Tensor _best;
    private readonly torch.Generator _random;

    internal Projection(ImageGenerator generator, Tensor target, float[] initialRows, InversionOptions options, WStatistics statistics)
    {
        Generator = generator;
        _options = options;
        _wStd = statistics.Std;
        // First, before this projection owns anything: preparing the target may fail.
        if (options.PerceptualDistance is { } distance && options.PerceptualWeight > 0)
            _perceptual = distance.Prepare(target);
        _target = target.DetachFromDisposeScope();
        var device = generator.Device;
        var rows = initialRows.Length / generator.WDim;
        _random = new torch.Generator(options.Seed, device);
        _latent = torch.tensor(initialRows, [rows, generator.WDim], device: device).DetachFromDisposeScope();
        _latentAdam = new LatentAdam(_latent);
        _best = _latent.clone().DetachFromDisposeScope();
        // As the reference: the buffers start as fresh unit Gaussian noise, not the checkpoint's.
        _noise = options.OptimizeNoise
            ? generator.NoiseShapes.Select(shape => torch.randn([shape.Height, shape.Width], device: device, generator: _random).DetachFromDisposeScope()).ToArray()
            : [];
        _noiseAdam = _noise.Select(buffer => new LatentAdam(buffer)).ToArray();

        var initial = Evaluate(_latent, renderPreview: false).Quality;
        Initial = Best = ResultOf(0, initial);
    }

    public ImageGenerator Generator { get; }

    public InversionOptions Options => _options;

    public int TotalSteps => _options.Steps;

    /// <summary>Steps taken so far.</summary>
    public int CompletedSteps { get; private set; }

    public bool Finished => CompletedSteps >= TotalSteps;

    /// <summary>The starting latent and how well it reconstructs the target (step 0).</summary>
    public ProjectionResult Initial { get; }

    /// <summary>The latent with the lowest MSE so far, the starting one included: the projection's answer.</summary>
    public ProjectionResult Best { get; private set; }

    /// <summary>The target as the projection sees it: [1, 3, R, R] in [-1, 1], a copy.</summary>
    public Tensor Target() => _target.clone();

    /// <summary>The current w+ (num_ws * w_dim values, row by row; every row the same w in W space).</summary>
    public float[] CurrentLatent()
    {
        using var scope = NewDisposeScope();
        return ComposeLatent(_latent).cpu().data<float>().ToArray();
    }

    /// <summary>Takes the next step; <paramref name="renderPreview"/> asks for the reconstruction after it.</summary>
    /// <exception cref="InvalidOperationException">Every step has been taken.</exception>
    public ProjectionStepResult Step(bool renderPreview = false)
    {
        if (Finished)
            throw new InvalidOperationException($"The projection has taken all of its {TotalSteps} steps.");

        var step = CompletedSteps;
        var learningRate = InversionSchedule.LearningRate(step, TotalSteps, _options.LearningRate, _options.LearningRateRampUp, _options.LearningRateRampDown);
        var noiseScale = InversionSchedule.LatentNoiseScale(step, TotalSteps, _wStd, _options.InitialNoiseFactor, _options.NoiseRampLength);

        float[] losses;
        using (NewDisposeScope())
        {
            var leaf = _latent.detach().clone().requires_grad_(true);
            var noiseLeaves = _noise.Select(buffer => buffer.detach().clone().requires_grad_(true)).ToArray();
            var latentNoise = torch.randn(_latent.shape, device: _latent.device, generator: _random).mul(noiseScale);
            using var synthesis = Generator.Synthesize(ComposeLatent(leaf.add(latentNoise)), new SynthesisOptions
            {
                NoiseMode = _options.OptimizeNoise ? NoiseMode.Given : NoiseMode.Const,
                NoiseBuffers = _options.OptimizeNoise ? noiseLeaves : null,
                // The same function as the fused form, and faster forward and backward on CPU (as the drag steps).
                FusedModulation = false,
            });
            var (imageLoss, noiseLoss) = Loss(synthesis.Image!, noiseLeaves);
            imageLoss.add(noiseLoss).backward();
            losses = torch.stack([imageLoss.detach(), noiseLoss.detach()]).cpu().data<float>().ToArray();

            // A perceptual-only loss that ignores the image would leave no gradient: no update then.
            if (leaf.grad is { } latentGradient)
                _latentAdam.Step(_latent, latentGradient, learningRate);
            for (var i = 0; i < _noise.Length; i++)
            {
                if (noiseLeaves[i].grad is { } noiseGradient)
                    _noiseAdam[i].Step(_noise[i], noiseGradient, learningRate);
                NoiseRegularization.Normalize(_noise[i]);
            }
        }
        CompletedSteps++;

        var (quality, preview) = Evaluate(_latent, renderPreview);
        var isBest = quality.Mse < Best.Quality.Mse;
        if (isBest)
        {
            using (torch.no_grad())
                _best.copy_(_latent);
            Best = ResultOf(CompletedSteps, quality);
        }
        return new ProjectionStepResult
        {
            Step = CompletedSteps,
            TotalSteps = TotalSteps,
            Loss = losses[0],
            NoisePenalty = losses[1],
            LearningRate = learningRate,
            Mse = quality.Mse,
            Psnr = quality.Psnr,
            IsBest = isBest,
            Preview = preview,
        };
    }

    /// <summary>The weighted image terms (pixel MSE in [-1, 1] and the perceptual distance), and the weighted noise penalty.</summary>
    private (Tensor Image, Tensor Noise) Loss(Tensor image, Tensor[] noiseLeaves)
    {
        var imageLoss = F.mse_loss(image, _target).mul(_options.PixelWeight);
        if (_perceptual is not null)
            imageLoss = imageLoss.add(_perceptual.DistanceTo(image).mul(_options.PerceptualWeight));
        var noiseLoss = noiseLeaves.Length > 0 && _options.NoiseRegularizationWeight > 0
            ? NoiseRegularization.Penalty(noiseLeaves).mul(_options.NoiseRegularizationWeight)
            : torch.zeros([], device: image.device);
        return (imageLoss, noiseLoss);
    }

    /// <summary>The reconstruction of <paramref name="rows"/> with constant noise, measured against the target.</summary>
    private (ReconstructionQuality Quality, Tensor? Preview) Evaluate(Tensor rows, bool renderPreview)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var synthesis = Generator.Synthesize(ComposeLatent(rows), new SynthesisOptions { NoiseMode = NoiseMode.Const });
        var image = synthesis.Image!;
        var quality = ReconstructionQuality.Measure(image, _target);
        var preview = renderPreview ? image.squeeze(0).clone().MoveToOuterDisposeScope() : null;
        return (quality, preview);
    }

    /// <summary>The optimised rows as w+ [1, num_ws, w_dim]: W's single row repeated.</summary>
    private Tensor ComposeLatent(Tensor rows) =>
        (_options.Space == LatentSpace.W ? rows.expand(Generator.NumWs, -1) : rows).unsqueeze(0);

    private ProjectionResult ResultOf(int step, ReconstructionQuality quality)
    {
        using var scope = NewDisposeScope();
        return new ProjectionResult
        {
            Step = step,
            Latent = ComposeLatent(_best).cpu().data<float>().ToArray(),
            NumWs = Generator.NumWs,
            WDim = Generator.WDim,
            Quality = quality,
        };
    }

    public void Dispose()
    {
        _target.Dispose();
        _perceptual?.Dispose();
        _latent.Dispose();
        _latentAdam.Dispose();
        foreach (var buffer in _noise)
            buffer.Dispose();
        foreach (var adam in _noiseAdam)
            adam.Dispose();
        _best.Dispose();
        _random.Dispose();
    }
}
