using DragGan.Engine.Checkpoints;
using DragGan.Engine.Native;
using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>
/// A StyleGAN2-ADA generator (config F, skip architecture) matching the official PyTorch
/// implementation (NVlabs/stylegan2-ada-pytorch, training/networks.py), for every StyleGAN2-family
/// <see cref="GeneratorKind"/>. Weights are frozen; the latent is what DragGAN and inversion
/// optimise. fp16 is used for the top <c>num_fp16_res</c> resolutions on CUDA only, as the
/// reference; on CPU every block runs in fp32. StyleGAN-Human's rectangular outputs are padded on
/// the width to the square frame as DragGAN's renderer pads them (its <c>padding=True</c>): the
/// image with 1 (white), features with 0.
/// </summary>
public sealed class StyleGan2Generator : ImageGenerator
{
    /// <summary>DragGAN tracks the output of block b128 (the renderer's feature_idx 5), or the last block below that.</summary>
    private const int DragFeatureBlock = 128;

    private readonly SynthesisBlock[] _blocks;
    private int _dragFeatureResolution;

    private StyleGan2Generator(GeneratorConfig config, Device device, MappingNetwork mapping, SynthesisBlock[] blocks)
        : base(mapping, device)
    {
        Config = config;
        _blocks = blocks;
        NoiseResolutions = blocks.SelectMany(b => b.Layers).Select(l => l.Resolution).ToArray();
        NoiseShapes = NoiseResolutions.Select(res => new NoiseShape(res, config.WidthAt(res))).ToArray();
        _dragFeatureResolution = Math.Min(DragFeatureBlock, config.ImgResolution);
        ConvLayers = blocks.SelectMany(b => b.Layers).Select(l => l.Shape).ToArray();
    }

    public GeneratorConfig Config { get; }

    public override GeneratorKind Kind => Config.Kind;

    public override int ZDim => Config.ZDim;

    public override int WDim => Config.WDim;

    public override int NumWs => Config.NumWs;

    public override int Resolution => Config.ImgResolution;

    public override ContentRectangle Content => Config.Content;

    public override int DragFeatureChannels => Config.ChannelsAt(DragFeatureResolution);

    public override int DragFeatureResolution => _dragFeatureResolution;

    /// <summary>
    /// Tracks and supervises drags on the output of the block at <paramref name="resolution"/>
    /// instead of the reference's b128 (a measurement of which block suits a model; set it before
    /// any drag starts, since an edit keeps the features of its first step).
    /// </summary>
    public void UseDragFeatureBlock(int resolution)
    {
        if (!Config.BlockResolutions.Contains(resolution))
            throw new ArgumentOutOfRangeException(nameof(resolution), resolution, $"Not a synthesis block of this generator ({string.Join(", ", Config.BlockResolutions)}).");
        _dragFeatureResolution = resolution;
    }

    /// <summary>
    /// The noise resolution (height) of each synthesis layer, in the reference's order (b4.conv1,
    /// b8.conv0, b8.conv1, ...); <see cref="NoiseShapes"/> has their widths.
    /// </summary>
    public IReadOnlyList<int> NoiseResolutions { get; }

    public override IReadOnlyList<NoiseShape> NoiseShapes { get; }

    /// <summary>Every synthesis layer's modulated convolution (b4.conv1, b8.conv0, b8.conv1, ...), toRGB excluded.</summary>
    public override IReadOnlyList<ConvLayerShape> ConvLayers { get; }

    /// <summary>Copies of the checkpoint's <c>noise_const</c> buffers, in <see cref="NoiseResolutions"/> order.</summary>
    internal Tensor[] CopyNoiseConstants() => _blocks.SelectMany(b => b.Layers).Select(l => l.CopyNoiseConst()).ToArray();

    /// <summary>Builds the networks from a StyleGAN2-family checkpoint; the tensors are copied onto <paramref name="device"/>.</summary>
    public static StyleGan2Generator Create(GeneratorCheckpoint checkpoint, Device? device = null)
    {
        checkpoint.Config.Validate();
        GlibcHeapTuning.EnsureApplied();
        if (device?.type == DeviceType.CUDA)
            TorchShim.EnsureCudnnBenchmark();
        var source = new NamedTensors(checkpoint.Tensors, device ?? CPU);
        var mapping = new MappingNetwork(source, checkpoint.Config);
        var blocks = checkpoint.Config.BlockResolutions.Select(res => new SynthesisBlock(source, checkpoint.Config, res)).ToArray();
        return new StyleGan2Generator(checkpoint.Config, source.Device, mapping, blocks);
    }

    /// <summary>ws: [N, num_ws, w_dim] -> image and/or the drag feature and the requested blocks' features, padded to the frame.</summary>
    public override SynthesisResult Synthesize(Tensor ws, SynthesisOptions? options = null)
    {
        options ??= new SynthesisOptions();
        if (ws.dim() != 3 || ws.shape[1] != NumWs || ws.shape[2] != Config.WDim)
            throw new ArgumentException($"ws must be [N, {NumWs}, {Config.WDim}], got [{string.Join(", ", ws.shape)}].", nameof(ws));
        foreach (var res in options.FeatureResolutions)
        {
            if (!Config.BlockResolutions.Contains(res))
                throw new ArgumentException($"No synthesis block at resolution {res}.", nameof(options));
        }

        ValidateNoise(options);
        ValidateWeightDeltas(options, ws.shape[0]);

        var featureBlocks = options.DragFeature ? options.FeatureResolutions.Append(DragFeatureResolution).ToHashSet() : options.FeatureResolutions.ToHashSet();
        var lastBlock = options.RenderImage ? Config.ImgResolution : featureBlocks.DefaultIfEmpty(4).Max();
        var fp16Allowed = Device.type == DeviceType.CUDA && !options.ForceFp32;

        using var scope = NewDisposeScope();
        var features = new Dictionary<int, Tensor>();
        Tensor? x = null;
        Tensor? image = null;
        var wIndex = 0;
        foreach (var block in _blocks.TakeWhile(b => b.Resolution <= lastBlock))
        {
            var dtype = fp16Allowed && block.UsesFp16 ? ScalarType.Float16 : ScalarType.Float32;
            // The reference fuses in eval mode for fp32 or batch 1.
            var fused = options.FusedModulation ?? (dtype == ScalarType.Float32 || ws.shape[0] == 1);
            var blockWs = ws.narrow(1, wIndex, block.ConvCount + 1);
            // One noise input per conv layer, as one w row per conv layer.
            var blockNoise = options.NoiseMode == NoiseMode.Given ? options.NoiseBuffers!.Skip(wIndex).Take(block.ConvCount).ToArray() : null;
            // Deltas are per layer too, in the same order as the noise inputs.
            var blockDeltas = options.ConvWeightDeltas?.Skip(wIndex).Take(block.ConvCount).ToArray();
            wIndex += block.ConvCount;

            x = block.Features(x, blockWs, dtype, options.NoiseMode, blockNoise, fused, blockDeltas);
            if (options.RenderImage)
                image = block.Image(image, x, blockWs, fused);
            if (featureBlocks.Contains(block.Resolution))
                features[block.Resolution] = PadToFrame(x.to(ScalarType.Float32), block.Resolution, value: 0).MoveToOuterDisposeScope();
        }
        var dragFeature = options.DragFeature ? features[DragFeatureResolution] : null;
        if (!options.FeatureResolutions.Contains(DragFeatureResolution))
            features.Remove(DragFeatureResolution);
        image = image is null ? null : PadToFrame(image, Config.ImgResolution, value: 1).MoveToOuterDisposeScope();
        return new SynthesisResult(image, features, dragFeature);
    }

    /// <inheritdoc/>
    public override long ActivationBytesPerSample(bool renderImage)
    {
        var lastBlock = renderImage ? Config.ImgResolution : DragFeatureResolution;
        return Config.BlockResolutions.Where(res => res <= lastBlock)
            .Max(res => (long)Config.ChannelsAt(res) * res * res * sizeof(float));
    }

    /// <summary>Columns of padding on each side of block <paramref name="resolution"/>'s output: (H - W) / 2, as DragGAN.</summary>
    private int PaddingAt(int resolution) => (resolution - Config.WidthAt(resolution)) / 2;

    /// <summary>
    /// DragGAN's <c>torch.nn.functional.pad(x, (pad, pad), 'constant', value)</c> on the width of a
    /// rectangular output (StyleGAN-Human); square outputs are returned as they are.
    /// </summary>
    private Tensor PadToFrame(Tensor x, int resolution, double value)
    {
        var pad = PaddingAt(resolution);
        return pad == 0 ? x : nn.functional.pad(x, [pad, pad], PaddingModes.Constant, value);
    }

    private void ValidateNoise(SynthesisOptions options)
    {
        if (options.NoiseMode != NoiseMode.Given)
        {
            if (options.NoiseBuffers is not null)
                throw new ArgumentException($"Noise buffers are read only with noise mode {NoiseMode.Given}, not {options.NoiseMode}.", nameof(options));
            return;
        }
        var buffers = options.NoiseBuffers
            ?? throw new ArgumentException($"Noise mode {NoiseMode.Given} needs {NoiseResolutions.Count} noise buffers.", nameof(options));
        if (buffers.Count != NoiseResolutions.Count)
            throw new ArgumentException($"Expected {NoiseResolutions.Count} noise buffers, one per synthesis layer, got {buffers.Count}.", nameof(options));
        for (var i = 0; i < buffers.Count; i++)
        {
            var (height, width) = NoiseShapes[i];
            if (buffers[i].dim() != 2 || buffers[i].shape[0] != height || buffers[i].shape[1] != width)
                throw new ArgumentException($"Noise buffer {i} must be [{height}, {width}], got [{string.Join(", ", buffers[i].shape)}].", nameof(options));
        }
    }

    private void ValidateWeightDeltas(SynthesisOptions options, long batch)
    {
        if (options.ConvWeightDeltas is not { } deltas)
            return;
        if (deltas.Count != ConvLayers.Count)
            throw new ArgumentException($"Expected {ConvLayers.Count} weight deltas, one per synthesis layer (null for none), got {deltas.Count}.", nameof(options));
        for (var i = 0; i < deltas.Count; i++)
        {
            var layer = ConvLayers[i];
            if (deltas[i] is { } delta && !delta.shape.SequenceEqual(layer.WeightShape) && !delta.shape.SequenceEqual([batch, .. layer.WeightShape]))
                throw new ArgumentException($"Weight delta {i} ({layer.Name}) must be [{string.Join(", ", layer.WeightShape)}] or, one per sample, [{batch}, {string.Join(", ", layer.WeightShape)}]; got [{string.Join(", ", delta.shape)}].", nameof(options));
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
            return;
        foreach (var block in _blocks)
            block.Dispose();
    }
}
