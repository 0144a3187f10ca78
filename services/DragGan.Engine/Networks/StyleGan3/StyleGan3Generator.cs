using DragGan.Engine.Native;
using static TorchSharp.torch;

namespace DragGan.Engine.Networks.StyleGan3;

/// <summary>
/// A StyleGAN3-T generator matching the official PyTorch implementation (NVlabs/stylegan3,
/// training/networks_stylegan3.py, as vendored by DragGAN): the StyleGAN2 mapping network, the
/// Fourier-feature input and num_layers + 1 alias-free layers, the last of them ToRGB, times
/// output_scale. Weights are frozen; every device computes in float32 (the reference uses fp16 for
/// the highest-rate layers on CUDA, with its fused kernels).
/// </summary>
public sealed class StyleGan3Generator : IDisposable
{
    /// <summary>
    /// DragGAN's <c>feature_idx</c>: the renderer drags on <c>feat[5]</c>, and for StyleGAN3 the
    /// feature list holds the outputs of the synthesis layers, so this is layer L5.
    /// </summary>
    public const int DragFeatureLayer = 5;

    private readonly MappingNetwork _mapping;
    private readonly FourierFeatureInput _input;
    private readonly AliasFreeSynthesisLayer[] _layers;

    private StyleGan3Generator(StyleGan3Config config, StyleGan3Architecture architecture, Device device,
        MappingNetwork mapping, FourierFeatureInput input, AliasFreeSynthesisLayer[] layers)
    {
        Config = config;
        Architecture = architecture;
        Device = device;
        _mapping = mapping;
        _input = input;
        _layers = layers;
    }

    public StyleGan3Config Config { get; }

    public StyleGan3Architecture Architecture { get; }

    public Device Device { get; }

    public int NumWs => Config.NumWs;

    /// <summary>The mean w of the checkpoint, [w_dim].</summary>
    public Tensor WAverage => _mapping.WAverage;

    /// <summary>The layer whose output drags read: L5 (or the last layer before ToRGB in a shallower network).</summary>
    public SynthesisLayerSpec DragFeature => Architecture.Layers[Math.Min(DragFeatureLayer, Architecture.Layers.Count - 2)];

    /// <summary>Builds the networks from a checkpoint's tensors (official names); they are copied onto <paramref name="device"/>.</summary>
    public static StyleGan3Generator Create(StyleGan3Config config, IReadOnlyDictionary<string, Tensor> tensors, Device? device = null)
    {
        config.Validate();
        GlibcHeapTuning.EnsureApplied();
        var architecture = StyleGan3Architecture.For(config);
        var source = new NamedTensors(tensors, device ?? CPU);
        var mapping = new MappingNetwork(source, config.MappingLayers, config.MappingLrMultiplier, config.NumWs);
        var input = new FourierFeatureInput(source, StyleGan3Layout.InputPrefix, architecture.Input);
        var layers = architecture.Layers.Select(spec => new AliasFreeSynthesisLayer(source, spec, config.ConvClamp)).ToArray();
        return new StyleGan3Generator(config, architecture, source.Device, mapping, input, layers);
    }

    /// <summary>
    /// z: [N, z_dim] -> ws: [N, num_ws, w_dim], truncated toward w_avg with <paramref name="psi"/>
    /// on all rows, or on the first <paramref name="truncationCutoff"/> rows.
    /// </summary>
    public Tensor Map(Tensor z, double psi = 1, int? truncationCutoff = null)
    {
        if (z.dim() != 2 || z.shape[1] != Config.ZDim)
            throw new ArgumentException($"z must be [N, {Config.ZDim}], got [{string.Join(", ", z.shape)}].", nameof(z));
        using var scope = NewDisposeScope();
        return _mapping.Forward(z.to(Device), psi, truncationCutoff).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ws: [N, num_ws, w_dim] -> the image and/or the drag feature (<see cref="DragFeature"/>'s
    /// output, margins included). Without the image the forward stops after the feature layer.
    /// </summary>
    public StyleGan3Output Synthesize(Tensor ws, bool renderImage = true, bool returnFeature = false)
    {
        if (ws.dim() != 3 || ws.shape[1] != NumWs || ws.shape[2] != Config.WDim)
            throw new ArgumentException($"ws must be [N, {NumWs}, {Config.WDim}], got [{string.Join(", ", ws.shape)}].", nameof(ws));
        if (!renderImage && !returnFeature)
            throw new ArgumentException("Nothing to compute: neither the image nor the feature was requested.");

        using var scope = NewDisposeScope();
        var rows = ws.to(ScalarType.Float32).to(Device).unbind(1);
        var x = _input.Forward(rows[0]);
        Tensor? feature = null;
        var last = renderImage ? _layers.Length - 1 : DragFeature.Index;
        for (var i = 0; i <= last; i++)
        {
            x = _layers[i].Forward(x, rows[i + 1]);
            if (returnFeature && i == DragFeature.Index)
                feature = x;
        }
        var image = renderImage && Config.OutputScale != 1 ? x.mul(Config.OutputScale) : renderImage ? x : null;
        return new StyleGan3Output(image?.MoveToOuterDisposeScope(), feature?.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        _mapping.Dispose();
        _input.Dispose();
        foreach (var layer in _layers)
            layer.Dispose();
    }
}
