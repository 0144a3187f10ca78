using DragGan.Engine.Checkpoints;
using DragGan.Engine.Networks;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Training.Generators;

/// <summary>
/// The StyleGAN2-ADA generator of <see cref="StyleGan2Generator"/> (config F, skip architecture),
/// written for training: every weight is a leaf tensor under its official state-dict name, the
/// equalized-learning-rate gains are applied in the forward pass rather than folded into the
/// weights, and the modulated convolutions share one weight across the batch. Exported weights load
/// into the engine unchanged and draw the same image (<c>TrainableGeneratorTests</c>).
/// Noise inputs are left out (noise_strength stays 0): the faces it learns are deterministic.
/// </summary>
internal sealed class TrainableGenerator : IDisposable
{
    private const double DemodulationEpsilon = 1e-8;
    private static readonly double LeakyGain = Math.Sqrt(2);

    private readonly Dictionary<string, Tensor> _tensors;
    private readonly Dictionary<int, Tensor> _upsampleFilters = [];

    private TrainableGenerator(GeneratorConfig config, Dictionary<string, Tensor> tensors)
    {
        Config = config;
        ParameterNames = tensors.Keys.Where(IsTrained).ToArray();
        // A Parameter takes over its tensor's storage; the name then refers to the Parameter.
        Parameters = ParameterNames.Select(name => new Parameter(tensors[name], requires_grad: true)).ToArray();
        for (var i = 0; i < ParameterNames.Count; i++)
            tensors[ParameterNames[i]] = Parameters[i];
        _tensors = tensors;
    }

    public GeneratorConfig Config { get; }

    /// <summary>The tensors the optimiser updates: every weight, bias and constant, not the buffers or noise strengths.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The official names of <see cref="Parameters"/>, in the same order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Every tensor by official name (parameters and buffers), as <see cref="GeneratorLayout"/> lists them.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>Starts from the official initialisation (<see cref="RandomCheckpoint"/>) with seeded weights.</summary>
    public static TrainableGenerator Initialise(GeneratorConfig config, int seed)
    {
        using var checkpoint = RandomCheckpoint.Create(config, seed);
        return FromCheckpoint(checkpoint);
    }

    /// <summary>Continues from saved weights (copied; the checkpoint keeps its own).</summary>
    public static TrainableGenerator FromCheckpoint(GeneratorCheckpoint checkpoint) =>
        new(checkpoint.Config, checkpoint.Tensors.ToDictionary(p => p.Key, p => p.Value.to(ScalarType.Float32).detach().clone(), StringComparer.Ordinal));

    /// <summary>A copy of the current weights as a checkpoint the engine loads.</summary>
    public GeneratorCheckpoint Export() =>
        new(Config, _tensors.ToDictionary(p => p.Key, p => p.Value.detach().clone(), StringComparer.Ordinal));

    /// <summary>z: [N, z_dim] -> the mapped w (one row per sample, [N, w_dim]).</summary>
    public Tensor Map(Tensor z)
    {
        var x = z.mul(z.square().mean([1], keepdim: true).add(1e-8).rsqrt());
        for (var i = 0; i < Config.MappingLayers; i++)
            x = FullyConnected(x, $"mapping.fc{i}", Config.MappingLrMultiplier).leaky_relu(0.2).mul(LeakyGain);
        return x;
    }

    /// <summary>w: [N, w_dim] broadcast to every layer -> image [N, C, res, res] in about [-1, 1].</summary>
    public Tensor Synthesize(Tensor w)
    {
        Tensor? x = null;
        Tensor? image = null;
        foreach (var res in Config.BlockResolutions)
        {
            var block = $"synthesis.b{res}";
            if (res == 4)
            {
                x = _tensors[$"{block}.const"].unsqueeze(0).expand(w.shape[0], -1, -1, -1);
            }
            else
            {
                x = SynthesisLayer(x!, w, $"{block}.conv0", upsample: true);
            }
            x = SynthesisLayer(x, w, $"{block}.conv1", upsample: false);
            var rgb = ToRgb(x, w, $"{block}.torgb");
            image = image is null ? rgb : Upsample2x(image).add(rgb);
        }
        return image!;
    }

    /// <summary>Folds the batch's mean w into <c>mapping.w_avg</c> as the reference tracks it (w_avg_beta 0.995).</summary>
    public void TrackWAverage(Tensor w, double beta = 0.995)
    {
        using var noGrad = no_grad();
        _tensors["mapping.w_avg"].copy_(w.detach().mean([0]).lerp(_tensors["mapping.w_avg"], beta));
    }

    private static bool IsTrained(string name) =>
        !name.EndsWith(".resample_filter", StringComparison.Ordinal) &&
        !name.EndsWith(".noise_const", StringComparison.Ordinal) &&
        !name.EndsWith(".noise_strength", StringComparison.Ordinal) &&
        name != "mapping.w_avg";

    private Tensor FullyConnected(Tensor x, string name, double lrMultiplier, double outputGain = 1)
    {
        var weight = _tensors[$"{name}.weight"];
        var gain = lrMultiplier / Math.Sqrt(weight.shape[1]) * outputGain;
        return F.linear(x, weight.mul(gain), _tensors[$"{name}.bias"].mul(lrMultiplier * outputGain));
    }

    private Tensor SynthesisLayer(Tensor x, Tensor w, string name, bool upsample)
    {
        var styles = FullyConnected(w, $"{name}.affine", 1);
        var weight = _tensors[$"{name}.weight"];
        var batch = x.shape[0];
        var modulated = x.mul(styles.reshape(batch, -1, 1, 1));
        var y = upsample
            ? F.conv2d(F.conv_transpose2d(modulated, weight.transpose(0, 1), strides: [2, 2]), Filter(weight.shape[0]), padding: [1, 1], groups: weight.shape[0])
            : F.conv2d(modulated, weight, padding: [1, 1]);
        var demodulation = styles.square().matmul(weight.square().sum([2, 3]).t()).add(DemodulationEpsilon).rsqrt();
        y = y.mul(demodulation.reshape(batch, -1, 1, 1));
        y = y.add(_tensors[$"{name}.bias"].reshape(1, -1, 1, 1)).leaky_relu(0.2).mul(LeakyGain);
        return Config.ConvClamp is { } clamp ? y.clamp(-clamp, clamp) : y;
    }

    private Tensor ToRgb(Tensor x, Tensor w, string name)
    {
        var weight = _tensors[$"{name}.weight"];
        var styles = FullyConnected(w, $"{name}.affine", 1, outputGain: 1 / Math.Sqrt(weight.shape[1]));
        var y = F.conv2d(x.mul(styles.reshape(x.shape[0], -1, 1, 1)), weight);
        y = y.add(_tensors[$"{name}.bias"].reshape(1, -1, 1, 1));
        return Config.ConvClamp is { } clamp ? y.clamp(-clamp, clamp) : y;
    }

    /// <summary><c>upfirdn2d.upsample2d</c> with [1, 3, 3, 1]: a depthwise stride-2 transposed convolution with gain 4.</summary>
    private Tensor Upsample2x(Tensor image) =>
        F.conv_transpose2d(image, Filter(image.shape[1]), strides: [2, 2], padding: [1, 1], groups: image.shape[1]);

    /// <summary>The depthwise [C, 1, 4, 4] resampling filter with the upsampling gain of 4.</summary>
    private Tensor Filter(long channels)
    {
        if (!_upsampleFilters.TryGetValue((int)channels, out var filter))
        {
            using var taps = RandomCheckpoint.ResampleFilter();
            filter = taps.mul(4).reshape(1, 1, 4, 4).repeat(channels, 1, 1, 1).DetachFromDisposeScope();
            _upsampleFilters[(int)channels] = filter;
        }
        return filter;
    }

    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
            tensor.Dispose();
        foreach (var filter in _upsampleFilters.Values)
            filter.Dispose();
    }
}
