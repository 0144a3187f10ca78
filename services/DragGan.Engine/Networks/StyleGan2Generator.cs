using DragGan.Engine.Checkpoints;
using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>
/// A StyleGAN2-ADA generator (config F, skip architecture) matching the official PyTorch
/// implementation (NVlabs/stylegan2-ada-pytorch, training/networks.py). Weights are frozen; the
/// latent is what DragGAN and inversion optimise. fp16 is used for the top <c>num_fp16_res</c>
/// resolutions on CUDA only, as the reference; on CPU every block runs in fp32.
/// </summary>
public sealed class StyleGan2Generator : IDisposable
{
    private readonly MappingNetwork _mapping;
    private readonly SynthesisBlock[] _blocks;

    private StyleGan2Generator(GeneratorConfig config, Device device, MappingNetwork mapping, SynthesisBlock[] blocks)
    {
        Config = config;
        Device = device;
        _mapping = mapping;
        _blocks = blocks;
    }

    public GeneratorConfig Config { get; }

    public Device Device { get; }

    public int NumWs => Config.NumWs;

    /// <summary>The mean w of the checkpoint, [w_dim]: where inversion starts.</summary>
    public Tensor WAverage => _mapping.WAverage;

    /// <summary>Builds the networks from a checkpoint; the tensors are copied onto <paramref name="device"/>.</summary>
    public static StyleGan2Generator Create(GeneratorCheckpoint checkpoint, Device? device = null)
    {
        checkpoint.Config.Validate();
        var source = new NamedTensors(checkpoint.Tensors, device ?? CPU);
        var mapping = new MappingNetwork(source, checkpoint.Config);
        var blocks = checkpoint.Config.BlockResolutions.Select(res => new SynthesisBlock(source, checkpoint.Config, res)).ToArray();
        return new StyleGan2Generator(checkpoint.Config, source.Device, mapping, blocks);
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

    /// <summary>ws: [N, num_ws, w_dim] -> image and/or the requested blocks' features.</summary>
    public SynthesisResult Synthesize(Tensor ws, SynthesisOptions? options = null)
    {
        options ??= new SynthesisOptions();
        if (ws.dim() != 3 || ws.shape[1] != NumWs || ws.shape[2] != Config.WDim)
            throw new ArgumentException($"ws must be [N, {NumWs}, {Config.WDim}], got [{string.Join(", ", ws.shape)}].", nameof(ws));
        foreach (var res in options.FeatureResolutions)
        {
            if (!Config.BlockResolutions.Contains(res))
                throw new ArgumentException($"No synthesis block at resolution {res}.", nameof(options));
        }

        var lastBlock = options.RenderImage ? Config.ImgResolution : options.FeatureResolutions.DefaultIfEmpty(4).Max();
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
            wIndex += block.ConvCount;

            x = block.Features(x, blockWs, dtype, options.NoiseMode, fused);
            if (options.RenderImage)
                image = block.Image(image, x, blockWs, fused);
            if (options.FeatureResolutions.Contains(block.Resolution))
                features[block.Resolution] = x.to(ScalarType.Float32).MoveToOuterDisposeScope();
        }
        return new SynthesisResult(image?.MoveToOuterDisposeScope(), features);
    }

    public void Dispose()
    {
        _mapping.Dispose();
        foreach (var block in _blocks)
            block.Dispose();
    }
}
