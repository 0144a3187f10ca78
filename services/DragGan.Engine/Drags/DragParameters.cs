namespace DragGan.Engine.Drags;

/// <summary>
/// Settings of one drag. Defaults are the reference's (XingangPan/DragGAN, viz/renderer.py and the
/// GUI's defaults): r1 = 3 and r2 = 12 at 512 px scaled with the image (never below their 256 px
/// values, 2 and 6, so that 128 px models get usable radii), lambda 20, Adam lr 0.001,
/// w+ with the first 6 rows optimised, stop within max(2, 2 * res / 512) px.
/// </summary>
public sealed record DragParameters
{
    /// <summary>Motion-supervision radius in pixels; null scales the reference's 3 px at 512 px (at least 2).</summary>
    public double? MotionRadius { get; init; }

    /// <summary>Point-tracking search radius in pixels; null scales the reference's 12 px at 512 px (at least 6).</summary>
    public double? TrackingRadius { get; init; }

    /// <summary>Weight of the L1 term that keeps the fixed (mask = 1) region's features at F0, 0..<see cref="MaxWeight"/>.</summary>
    public double MaskWeight { get; init; } = 20;

    public double LearningRate { get; init; } = 0.001;

    public LatentSpace Space { get; init; } = LatentSpace.WPlus;

    /// <summary>Rows of w+ that are optimised; the rest stay w0's.</summary>
    public int OptimizedLayers { get; init; } = 6;

    /// <summary>Converged when every handle is this close to its target; null scales 2 px at 512 px (at least 2).</summary>
    public double? StopDistance { get; init; }

    public int MaxSteps { get; init; } = 500;

    /// <summary>Weight of an L1 pull of the whole latent toward w0 (the reference's <c>reg</c>, 0 by default), 0..<see cref="MaxWeight"/>.</summary>
    public double LatentRegularization { get; init; }

    /// <summary>
    /// Use the reference's pixel grid, <c>torch.linspace(0, h, h)</c> (spaced h/(h-1)), to pick the
    /// motion-supervision disk. Off by default: the engine uses integer pixel centres. Only parity
    /// tests switch it on.
    /// </summary>
    internal bool ReferencePixelGrid { get; init; }

    /// <summary>Reference features of motion supervision: DragGAN's, or StableDrag-style confidence-gated.</summary>
    public MotionSupervision Supervision { get; init; } = MotionSupervision.Current;

    /// <summary>
    /// <see cref="MotionSupervision.ConfidenceGated"/> only: the cosine similarity between a handle's
    /// tracked feature and its template below which the template supervises.
    /// </summary>
    public double ConfidenceThreshold { get; init; } = 0.85;

    public const int MaxStepsLimit = 100_000;

    /// <summary>
    /// The largest mask weight and latent regularisation: 500 times the reference's lambda. Larger
    /// weights only push the loss toward float32's range, where it and the latent become NaN.
    /// </summary>
    public const double MaxWeight = 10_000;
}
