using DragGan.Engine.Imaging;
using DragGan.Engine.Inversion;
using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Tuning;

/// <summary>
/// One photo's inversion for editing, stepped by the caller: the projection, then, when tuning is
/// asked for, pivotal tuning at the projection's best latent (PTI, Roich et al. 2022: the pivot,
/// then the generator tuned around it; here a per-photo <see cref="WeightDelta"/>). Steps count
/// through both stages, so one progress counter serves a client. Not thread-safe.
/// </summary>
public sealed class InversionRun : IDisposable
{
    private readonly Projection _projection;
    private readonly TuningPlan? _tuningPlan;
    private PivotalTuning? _tuning;

    /// <param name="projection">The started projection; the run owns it.</param>
    /// <param name="tuning">Tune after the projection, or null for the projection alone.</param>
    public InversionRun(Projection projection, TuningPlan? tuning = null)
    {
        _projection = projection;
        _tuningPlan = tuning;
    }

    public ImageGenerator Generator => _projection.Generator;

    public InversionStage Stage => _tuning is null ? InversionStage.Projection : InversionStage.Tuning;

    public int TotalSteps => _projection.TotalSteps + (_tuningPlan?.Options.Steps ?? 0);

    public int CompletedSteps => _projection.CompletedSteps + (_tuning?.CompletedSteps ?? 0);

    public bool Finished => _projection.Finished && (_tuningPlan is null || _tuning is { Finished: true });

    /// <summary>The latent now: the projection's current one, then, while tuning, the pivot (num_ws * w_dim values).</summary>
    public float[] CurrentLatent() => _tuning is null ? _projection.CurrentLatent() : _projection.Best.Latent;

    /// <summary>The next step: of the projection until it has taken all its steps, then of the tuning.</summary>
    /// <exception cref="InvalidOperationException">The run has finished.</exception>
    public InversionRunStep Step(bool renderPreview = false)
    {
        if (Finished)
            throw new InvalidOperationException("The inversion has finished.");
        if (!_projection.Finished)
        {
            var projected = _projection.Step(renderPreview);
            return new InversionRunStep(CompletedSteps, TotalSteps, projected);
        }
        _tuning ??= StartTuning(_tuningPlan!);
        var tuned = _tuning.Step(renderPreview);
        return new InversionRunStep(CompletedSteps, TotalSteps, tuned);
    }

    /// <summary>
    /// The answer so far: the projection's best latent and, once tuning has begun, its delta as it
    /// travels (fp16), rendered and measured exactly as a later edit will draw it.
    /// </summary>
    public InversionRunResult Result()
    {
        var best = _projection.Best;
        var delta = _tuning?.Delta();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var synthesis = Generator.Synthesize(best.ToTensor(Generator.Device), new SynthesisOptions
        {
            NoiseMode = NoiseMode.Const,
            ConvWeightDeltas = delta?.ToConvWeightDeltas(Generator.Device),
        });
        var image = synthesis.Image!;
        using var target = _projection.Target();
        var quality = ReconstructionQuality.Measure(image, target);
        return new InversionRunResult
        {
            Latent = best.Latent,
            NumWs = best.NumWs,
            WDim = best.WDim,
            Delta = delta,
            Image = ImageCodec.ToRgb(image),
            Psnr = quality.Psnr,
            Mse = quality.Mse,
        };
    }

    private PivotalTuning StartTuning(TuningPlan plan)
    {
        using var target = _projection.Target();
        return new PivotalTuning(Generator, plan.ModelId, target, _projection.Best.Latent, plan.Distance, plan.Options);
    }

    public void Dispose()
    {
        _tuning?.Dispose();
        _projection.Dispose();
    }
}
