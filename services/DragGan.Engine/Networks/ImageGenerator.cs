using DragGan.Engine.Imaging;
using DragGan.Engine.Random;
using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>
/// What the drag engine, inversion, the model registry and the services need of a generator,
/// whatever its family: z to w+, w+ to an image in a square frame plus the feature map drags
/// track. Weights are frozen; the latent is what DragGAN and inversion optimise. Implementations
/// own their weights and are safe for concurrent forwards.
/// </summary>
public abstract class ImageGenerator : IDisposable
{
    /// <summary>Every family maps z to w+ with StyleGAN2's mapping network; the generator owns it.</summary>
    private readonly MappingNetwork _mapping;

    private protected ImageGenerator(MappingNetwork mapping, Device device)
    {
        _mapping = mapping;
        Device = device;
    }

    public abstract GeneratorKind Kind { get; }

    public Device Device { get; }

    public abstract int ZDim { get; }

    public abstract int WDim { get; }

    /// <summary>Rows of w+.</summary>
    public abstract int NumWs { get; }

    /// <summary>
    /// The side of the square frame that images, drag points, masks and inversion targets live in
    /// (DragGAN's <c>img_resolution</c>).
    /// </summary>
    public abstract int Resolution { get; }

    /// <summary>The part of the frame the network draws; the rest is padding.</summary>
    public virtual ContentRectangle Content => ContentRectangle.Square(Resolution);

    /// <summary>The mean w of the checkpoint, [w_dim]: where truncation pulls and inversion starts.</summary>
    public Tensor WAverage => _mapping.WAverage;

    /// <summary>Channels of the drag feature map (<see cref="SynthesisResult.DragFeature"/>).</summary>
    public abstract int DragFeatureChannels { get; }

    /// <summary>Side of the square drag feature map; drags resize it to <see cref="Resolution"/>.</summary>
    public abstract int DragFeatureResolution { get; }

    /// <summary>
    /// The shape of each noise input, in the order <see cref="SynthesisOptions.NoiseBuffers"/> takes
    /// them for <see cref="NoiseMode.Given"/>; empty when the network has no noise inputs.
    /// </summary>
    public abstract IReadOnlyList<NoiseShape> NoiseShapes { get; }

    /// <summary>
    /// The synthesis convolutions a per-photo weight delta may change
    /// (<see cref="SynthesisOptions.ConvWeightDeltas"/>), in order; empty where the family takes none.
    /// </summary>
    public virtual IReadOnlyList<ConvLayerShape> ConvLayers => [];

    /// <summary>
    /// z: [N, z_dim] -> ws: [N, num_ws, w_dim], truncated toward w_avg with <paramref name="psi"/>
    /// on all rows, or on the first <paramref name="truncationCutoff"/> rows.
    /// </summary>
    public Tensor Map(Tensor z, double psi = 1, int? truncationCutoff = null)
    {
        if (z.dim() != 2 || z.shape[1] != ZDim)
            throw new ArgumentException($"z must be [N, {ZDim}], got [{string.Join(", ", z.shape)}].", nameof(z));
        using var scope = NewDisposeScope();
        return _mapping.Forward(z.to(Device), psi, truncationCutoff).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The ws [1, num_ws, w_dim] of a seed as the reference draws it: z =
    /// <c>np.random.RandomState(seed).randn(1, z_dim)</c> (<see cref="LegacyNumpyRandom.LatentZ"/>), then <see cref="Map"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="seed"/> is outside [0, 2^32-1].</exception>
    public Tensor MapSeed(long seed, double psi = 1, int? truncationCutoff = null)
    {
        using var z = tensor(LegacyNumpyRandom.LatentZ(seed, ZDim), [1, ZDim]);
        return Map(z, psi, truncationCutoff);
    }

    /// <summary>
    /// ws: [N, num_ws, w_dim] -> the image [N, C, Resolution, Resolution] and/or the drag feature
    /// [N, DragFeatureChannels, r, r], as <paramref name="options"/> ask.
    /// </summary>
    public abstract SynthesisResult Synthesize(Tensor ws, SynthesisOptions? options = null);

    /// <summary>
    /// The image of one w+ latent ([1, num_ws, w_dim] or [num_ws, w_dim]) as 8-bit RGB: one forward
    /// without gradients, with constant noise unless told otherwise, the way drags and inversion
    /// see a latent (the reference renderer's <c>noise_mode='const'</c>). A tuned photo's edit passes its
    /// <paramref name="convWeightDeltas"/> (<see cref="SynthesisOptions.ConvWeightDeltas"/>).
    /// </summary>
    public RgbImage Render(Tensor ws, NoiseMode noise = NoiseMode.Const, IReadOnlyList<Tensor?>? convWeightDeltas = null)
    {
        var oneSample = ws.dim() == 3 ? ws.shape[0] == 1 && ws.shape[1] == NumWs && ws.shape[2] == WDim
            : ws.dim() == 2 && ws.shape[0] == NumWs && ws.shape[1] == WDim;
        if (!oneSample)
            throw new ArgumentException($"ws must be [1, {NumWs}, {WDim}] or [{NumWs}, {WDim}], got [{string.Join(", ", ws.shape)}].", nameof(ws));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var result = Synthesize(ws.reshape(1, NumWs, WDim).to(Device), new SynthesisOptions { NoiseMode = noise, ConvWeightDeltas = convWeightDeltas });
        return ImageCodec.ToRgb(result.Image ?? throw new InvalidOperationException("Synthesis returned no image."));
    }

    /// <summary>
    /// Bytes of the largest float32 activation one sample's forward holds, up to the image
    /// (<paramref name="renderImage"/>) or only up to the drag feature: what batched drag steps
    /// are chunked by.
    /// </summary>
    public abstract long ActivationBytesPerSample(bool renderImage);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the weights; an override frees its synthesis network's and calls this.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
            _mapping.Dispose();
    }
}
