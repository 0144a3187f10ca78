using DragGan.Engine.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Training.Adversarial;

/// <summary>
/// StyleGAN2-ADA's residual discriminator (<c>training/networks.py</c>, architecture 'resnet'),
/// without conditioning: fromRGB at the top resolution; per block a 3x3 convolution, a 3x3
/// convolution that halves the resolution after the [1, 3, 3, 1] blur, and a 1x1 skip of the
/// blurred, halved input, the two summed with gain sqrt(1/2); at 4x4 the minibatch standard
/// deviation (groups of up to 4, one channel), a 3x3 convolution and two fully connected layers.
/// Weights keep the reference's equalized-learning-rate form (unit-variance, scaled by 1/sqrt(fan-in)
/// in the forward pass) and its state-dict names, with '.' written '_' (TorchSharp's parameter names).
/// Channels follow the generator's rule: min(channel_base / res, channel_max).
/// </summary>
internal sealed class TrainableDiscriminator : nn.Module<Tensor, Tensor>
{
    private const int MinibatchGroup = 4;
    private static readonly double LeakyGain = Math.Sqrt(2);
    private static readonly double SkipGain = Math.Sqrt(0.5);

    private readonly int _resolution;
    private readonly Func<int, int> _channels;
    private readonly Tensor _blur;

    public TrainableDiscriminator(int resolution, int channelBase, int channelMax, int seed) : base(nameof(TrainableDiscriminator))
    {
        _resolution = resolution;
        _channels = res => Math.Min(channelBase / res, channelMax);
        using var random = new Generator((ulong)seed, CPU);
        var top = _channels(resolution);
        Add($"b{resolution}.fromrgb.weight", [top, 3, 1, 1], random);
        Add($"b{resolution}.fromrgb.bias", [top]);
        for (var res = resolution; res > 4; res /= 2)
        {
            int c = _channels(res), next = _channels(res / 2);
            Add($"b{res}.conv0.weight", [c, c, 3, 3], random);
            Add($"b{res}.conv0.bias", [c]);
            Add($"b{res}.conv1.weight", [next, c, 3, 3], random);
            Add($"b{res}.conv1.bias", [next]);
            Add($"b{res}.skip.weight", [next, c, 1, 1], random);
        }
        var last = _channels(4);
        Add("b4.conv.weight", [last, last + 1, 3, 3], random);
        Add("b4.conv.bias", [last]);
        Add("b4.fc.weight", [last, last * 16], random);
        Add("b4.fc.bias", [last]);
        Add("b4.out.weight", [1, last], random);
        Add("b4.out.bias", [1]);
        _blur = RandomCheckpoint.ResampleFilter().DetachFromDisposeScope();
    }

    /// <summary>images: [N, 3, res, res] in [-1, 1] -> one logit per image, [N, 1] (high: a render).</summary>
    public override Tensor forward(Tensor images) => Logits(Features(images).Last());

    /// <summary>
    /// Each block's output activation, from the top resolution down to the 4x4 input of the
    /// epilogue: the features a perceptual distance can compare.
    /// </summary>
    public IReadOnlyList<Tensor> Features(Tensor images)
    {
        var features = new List<Tensor>();
        var x = Activate(Conv(images, $"b{_resolution}.fromrgb"));
        for (var res = _resolution; res > 4; res /= 2)
        {
            var skip = Conv(Downsample(x), $"b{res}.skip", bias: false).mul(SkipGain);
            var y = Activate(Conv(x, $"b{res}.conv0", padding: 1));
            y = Activate(ConvDown(y, $"b{res}.conv1"), gain: LeakyGain * SkipGain);
            x = skip.add(y);
            features.Add(x);
        }
        return features;
    }

    private Tensor Logits(Tensor x)
    {
        x = MinibatchStd(x);
        x = Activate(Conv(x, "b4.conv", padding: 1));
        x = Activate(Linear(x.flatten(1), "b4.fc"));
        return Linear(x, "b4.out");
    }

    private static Tensor MinibatchStd(Tensor x)
    {
        long n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var group = Math.Min(MinibatchGroup, n);
        if (n % group != 0)
            group = 1;
        var y = x.reshape(group, -1, 1, c, h, w);
        y = y.sub(y.mean([0])).square().mean([0]).add(1e-8).sqrt();
        y = y.mean([2, 3, 4]).reshape(-1, 1, 1, 1).repeat(group, 1, h, w);
        return cat([x, y], 1);
    }

    private Tensor Conv(Tensor x, string name, long padding = 0, bool bias = true)
    {
        var weight = Weight($"{name}.weight");
        var scaled = weight.mul(1 / Math.Sqrt(weight.shape[1] * weight.shape[2] * weight.shape[3]));
        return F.conv2d(x, scaled, bias ? Weight($"{name}.bias") : null, padding: [padding, padding]);
    }

    /// <summary>The reference's conv2d_resample with down = 2: the blur padded by 2, then a stride-2 3x3 convolution.</summary>
    private Tensor ConvDown(Tensor x, string name)
    {
        var blurred = F.conv2d(F.pad(x, [2, 2, 2, 2]), DepthwiseBlur(x.shape[1]), groups: x.shape[1]);
        var weight = Weight($"{name}.weight");
        var scaled = weight.mul(1 / Math.Sqrt(weight.shape[1] * 9));
        return F.conv2d(blurred, scaled, Weight($"{name}.bias"), strides: [2, 2]);
    }

    /// <summary>upfirdn2d.downsample2d with [1, 3, 3, 1]: the blur padded by 1, every second pixel.</summary>
    private Tensor Downsample(Tensor x) =>
        F.conv2d(x, DepthwiseBlur(x.shape[1]), strides: [2, 2], padding: [1, 1], groups: x.shape[1]);

    private Tensor DepthwiseBlur(long channels) => _blur.reshape(1, 1, 4, 4).expand(channels, 1, 4, 4);

    private Tensor Linear(Tensor x, string name)
    {
        var weight = Weight($"{name}.weight");
        return F.linear(x, weight.mul(1 / Math.Sqrt(weight.shape[1])), Weight($"{name}.bias"));
    }

    private static Tensor Activate(Tensor x, double? gain = null) => x.leaky_relu(0.2).mul(gain ?? LeakyGain);

    private Parameter Weight(string name) => get_parameter(name.Replace('.', '_')) ?? throw new KeyNotFoundException(name);

    private void Add(string name, long[] shape, Generator? random = null)
    {
        // The module owns its weights: none may belong to a dispose scope the caller has open.
        var values = (random is null ? zeros(shape) : randn(shape, generator: random)).DetachFromDisposeScope();
        register_parameter(name.Replace('.', '_'), new Parameter(values, requires_grad: true));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _blur.Dispose();
        base.Dispose(disposing);
    }
}
