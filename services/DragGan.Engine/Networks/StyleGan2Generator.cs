using DragGan.Engine.Checkpoints;
using DragGan.Engine.Native;
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
        NoiseResolutions = blocks.SelectMany(b => b.Layers).Select(l => l.Resolution).ToArray();
    }

    public GeneratorConfig Config { get; }

    public Device Device { get; }

    public int NumWs => Config.NumWs;

    /// <summary>The mean w of the checkpoint, [w_dim]: where inversion starts.</summary>
    public Tensor WAverage => _mapping.WAverage;

    /// <summary>
    /// The noise resolution of each synthesis layer, in the reference's order (b4.conv1, b8.conv0,
    /// b8.conv1, ...): the shapes <see cref="SynthesisOptions.NoiseBuffers"/> must have, [res, res] each.
    /// </summary>
    public IReadOnlyList<int> NoiseResolutions { get; }

    /// <summary>Copies of the checkpoint's <c>noise_const</c> buffers, in <see cref="NoiseResolutions"/> order.</summary>
    internal Tensor[] CopyNoiseConstants() => _blocks.SelectMany(b => b.Layers).Select(l => l.CopyNoiseConst()).ToArray();

    /// <summary>Builds the networks from a checkpoint; the tensors are copied onto <paramref name="device"/>.</summary>
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

        ValidateNoise(options);

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
            // One noise input per conv layer, as one w row per conv layer.
            var blockNoise = options.NoiseMode == NoiseMode.Given ? options.NoiseBuffers!.Skip(wIndex).Take(block.ConvCount).ToArray() : null;
            wIndex += block.ConvCount;

            x = block.Features(x, blockWs, dtype, options.NoiseMode, blockNoise, fused);
            if (options.RenderImage)
                image = block.Image(image, x, blockWs, fused);
            if (options.FeatureResolutions.Contains(block.Resolution))
                features[block.Resolution] = x.to(ScalarType.Float32).MoveToOuterDisposeScope();
        }
        return new SynthesisResult(image?.MoveToOuterDisposeScope(), features);
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
            var res = NoiseResolutions[i];
            if (buffers[i].dim() != 2 || buffers[i].shape[0] != res || buffers[i].shape[1] != res)
                throw new ArgumentException($"Noise buffer {i} must be [{res}, {res}], got [{string.Join(", ", buffers[i].shape)}].", nameof(options));
        }
    }

    public void Dispose()
    {
        _mapping.Dispose();
        foreach (var block in _blocks)
            block.Dispose();
    }
}
