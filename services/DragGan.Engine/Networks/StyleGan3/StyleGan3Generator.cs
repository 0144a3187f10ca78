using DragGan.Engine.Checkpoints;
using DragGan.Engine.Native;
using static TorchSharp.torch;

namespace DragGan.Engine.Networks.StyleGan3;

/// <summary>
/// A StyleGAN3-T generator matching the official PyTorch implementation (NVlabs/stylegan3,
/// training/networks_stylegan3.py, as vendored by DragGAN): the StyleGAN2 mapping network, the
/// Fourier-feature input and num_layers + 1 alias-free layers, the last of them ToRGB, times
/// output_scale. Weights are frozen; every device computes in float32 (the reference uses fp16 for
/// the highest-rate layers on CUDA, with its fused kernels). StyleGAN3 has no noise inputs, so
/// every noise mode renders the same image.
/// </summary>
public sealed class StyleGan3Generator : ImageGenerator
{
    /// <summary>
    /// DragGAN's <c>feature_idx</c>: the renderer drags on <c>feat[5]</c>, and for StyleGAN3 the
    /// feature list holds the outputs of the synthesis layers, so this is layer L5.
    /// </summary>
    public const int DragFeatureLayer = 5;

    private readonly FourierFeatureInput _input;
    private readonly AliasFreeSynthesisLayer[] _layers;

    private StyleGan3Generator(StyleGan3Config config, StyleGan3Architecture architecture, Device device,
        MappingNetwork mapping, FourierFeatureInput input, AliasFreeSynthesisLayer[] layers)
        : base(mapping, device)
    {
        Config = config;
        Architecture = architecture;
        _input = input;
        _layers = layers;
        DragFeature = architecture.Layers[Math.Min(DragFeatureLayer, architecture.Layers.Count - 2)];
    }

    public StyleGan3Config Config { get; }

    public StyleGan3Architecture Architecture { get; }

    public override GeneratorKind Kind => GeneratorKind.StyleGan3T;

    public override int ZDim => Config.ZDim;

    public override int WDim => Config.WDim;

    public override int NumWs => Config.NumWs;

    public override int Resolution => Config.ImgResolution;

    /// <summary>The layer whose output drags read: L5 (or the last layer before ToRGB in a shallower network).</summary>
    public SynthesisLayerSpec DragFeature { get; }

    public override int DragFeatureChannels => DragFeature.OutChannels;

    /// <summary>
    /// L5's whole output, margins included (84 for a 256 px generator: 64 samples plus 10 on each
    /// side), as DragGAN resizes it to the image; so the resized map is not aligned with the image.
    /// </summary>
    public override int DragFeatureResolution => DragFeature.OutSize;

    public override IReadOnlyList<NoiseShape> NoiseShapes => [];

    /// <summary>Builds the networks from a StyleGAN3 checkpoint; the tensors are copied onto <paramref name="device"/>.</summary>
    public static StyleGan3Generator Create(GeneratorCheckpoint checkpoint, Device? device = null)
    {
        checkpoint.Config.Validate();
        var config = checkpoint.Config.StyleGan3Config
            ?? throw new ArgumentException($"The checkpoint is a {checkpoint.Config.Kind} generator, not StyleGAN3.", nameof(checkpoint));
        GlibcHeapTuning.EnsureApplied();
        var architecture = StyleGan3Architecture.For(config);
        var source = new NamedTensors(checkpoint.Tensors, device ?? CPU);
        var mapping = new MappingNetwork(source, config.MappingLayers, config.MappingLrMultiplier, config.NumWs);
        var input = new FourierFeatureInput(source, StyleGan3Layout.InputPrefix, architecture.Input);
        var layers = architecture.Layers.Select(spec => new AliasFreeSynthesisLayer(source, spec, config.ConvClamp)).ToArray();
        return new StyleGan3Generator(config, architecture, source.Device, mapping, input, layers);
    }

    /// <summary>
    /// ws: [N, num_ws, w_dim] -> the image (L14 times output_scale, not clamped) and/or the drag
    /// feature (<see cref="DragFeature"/>'s output, margins included). Without the image the
    /// forward stops after the feature layer.
    /// </summary>
    public override SynthesisResult Synthesize(Tensor ws, SynthesisOptions? options = null)
    {
        options ??= new SynthesisOptions();
        if (ws.dim() != 3 || ws.shape[1] != NumWs || ws.shape[2] != Config.WDim)
            throw new ArgumentException($"ws must be [N, {NumWs}, {Config.WDim}], got [{string.Join(", ", ws.shape)}].", nameof(ws));
        if (options.FeatureResolutions.Count > 0)
            throw new ArgumentException("StyleGAN3 has no synthesis blocks to take features from by resolution; ask for the drag feature.", nameof(options));
        if (options.NoiseBuffers is { Count: > 0 })
            throw new ArgumentException("StyleGAN3 has no noise inputs; no noise buffers may be given.", nameof(options));
        if (options.ConvWeightDeltas is not null)
            throw new ArgumentException("StyleGAN3 takes no convolution weight deltas.", nameof(options));

        using var scope = NewDisposeScope();
        var rows = ws.to(ScalarType.Float32).to(Device).unbind(1);
        var x = _input.Forward(rows[0]);
        Tensor? feature = null;
        var last = options.RenderImage ? _layers.Length - 1 : DragFeature.Index;
        for (var i = 0; i <= last; i++)
        {
            x = _layers[i].Forward(x, rows[i + 1]);
            if (options.DragFeature && i == DragFeature.Index)
                feature = x;
        }
        Tensor? image = null;
        if (options.RenderImage)
            image = Config.OutputScale != 1 ? x.mul(Config.OutputScale) : x;
        return new SynthesisResult(image?.MoveToOuterDisposeScope(), new Dictionary<int, Tensor>(), feature?.MoveToOuterDisposeScope());
    }

    /// <summary>The largest map is each layer's upsampled, padded conv output inside the filtered leaky ReLU.</summary>
    public override long ActivationBytesPerSample(bool renderImage)
    {
        var last = renderImage ? _layers.Length - 1 : DragFeature.Index;
        return Architecture.Layers.Take(last + 1).Max(layer =>
        {
            long side = (layer.InSize + layer.ConvKernel - 1) * layer.UpFactor + layer.Padding[0] + layer.Padding[1];
            return layer.OutChannels * side * side * sizeof(float);
        });
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing)
            return;
        _input.Dispose();
        foreach (var layer in _layers)
            layer.Dispose();
    }
}
