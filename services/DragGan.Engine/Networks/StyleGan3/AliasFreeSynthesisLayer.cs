using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Networks.StyleGan3;

/// <summary>
/// One StyleGAN3 synthesis layer, matching stylegan3 <c>training/networks_stylegan3.py</c>
/// <c>SynthesisLayer.forward</c> with <c>modulated_conv2d</c>: styles from w's affine (ToRGB scales
/// them by 1/sqrt(fan-in)), a modulated convolution (weights and styles pre-normalised, demodulated
/// except in ToRGB) whose weights are scaled by <c>input_gain = magnitude_ema^-1/2</c> after
/// demodulation, padded by kernel - 1 so the map grows by the kernel's footprint, then the filtered
/// leaky ReLU with the layer's own filters and padding.
/// </summary>
/// <remarks>
/// The reference pre-normalises styles by their mean square over the whole batch; this layer uses
/// each sample's own, so that batching edits cannot change an image. With one sample (every
/// DragGAN call) the two are the same operation, and demodulation cancels the factor in any case
/// (up to the 1e-8 epsilon).
/// </remarks>
internal sealed class AliasFreeSynthesisLayer : IDisposable
{
    private const double DemodulationEpsilon = 1e-8;

    private readonly FullyConnectedLayer _affine;
    private readonly Tensor _weight;    // pre-normalised unless ToRGB: [O, I, k, k]
    private readonly Tensor _inputGain; // []
    private readonly Tensor _bias;      // [O]
    private readonly FilteredLeakyRelu _activation;
    private readonly double _styleGain;

    public AliasFreeSynthesisLayer(NamedTensors source, SynthesisLayerSpec spec, float? convClamp)
    {
        Spec = spec;
        var name = $"synthesis.{spec.Name}";
        _affine = new FullyConnectedLayer(source, $"{name}.affine");
        _styleGain = spec.IsToRgb ? 1 / Math.Sqrt(spec.InChannels * spec.ConvKernel * spec.ConvKernel) : 1;
        using (var scope = NewDisposeScope())
        {
            var weight = source.Take($"{name}.weight");
            if (Demodulate)
                weight = weight.mul(weight.square().mean([1, 2, 3], keepdim: true).rsqrt());
            _weight = weight.DetachFromDisposeScope();
            _inputGain = source.Take($"{name}.magnitude_ema").rsqrt().DetachFromDisposeScope();
        }
        _bias = source.Take($"{name}.bias");

        using var upFilter = spec.UpTaps > 1 ? source.Take($"{name}.up_filter") : null;
        using var downFilter = spec.DownTaps > 1 ? source.Take($"{name}.down_filter") : null;
        _activation = new FilteredLeakyRelu(
            upFilter, downFilter, spec.OutChannels, spec.UpFactor, spec.DownFactor, spec.Padding,
            gain: spec.IsToRgb ? 1 : Math.Sqrt(2), slope: spec.IsToRgb ? 1 : 0.2, clamp: convClamp);
    }

    public SynthesisLayerSpec Spec { get; }

    private bool Demodulate => !Spec.IsToRgb;

    /// <summary>x: [N, I, in, in], w: [N, w_dim] -> [N, O, out, out]. Call inside a dispose scope.</summary>
    public Tensor Forward(Tensor x, Tensor w)
    {
        // As the reference's SynthesisLayer.forward: x [N, in_channels, in_size, in_size].
        TensorShape.Assert(x, $"synthesis.{Spec.Name} x", null, Spec.InChannels, Spec.InSize, Spec.InSize);
        TensorShape.Assert(w, $"synthesis.{Spec.Name} w", x.shape[0], _affine.InFeatures);
        var batch = x.shape[0];
        var styles = _affine.Forward(w);
        if (_styleGain != 1)
            styles = styles.mul(_styleGain);

        var weight = _weight.unsqueeze(0);
        if (Demodulate)
        {
            var meanSquare = batch == 1 ? styles.square().mean() : styles.square().mean([1], keepdim: true);
            styles = styles.mul(meanSquare.rsqrt());
        }
        weight = weight.mul(styles.reshape(batch, 1, -1, 1, 1)); // [N, O, I, k, k]
        if (Demodulate)
            weight = weight.mul(weight.square().sum([2, 3, 4]).add(DemodulationEpsilon).rsqrt().reshape(batch, -1, 1, 1, 1));
        weight = weight.mul(_inputGain);

        var kernel = Spec.ConvKernel;
        var grouped = x.reshape(1, -1, x.shape[2], x.shape[3]);
        var y = F.conv2d(grouped, weight.reshape(-1, Spec.InChannels, kernel, kernel), padding: [kernel - 1, kernel - 1], groups: batch);
        y = y.reshape(batch, -1, y.shape[2], y.shape[3]);
        return _activation.Forward(y, _bias);
    }

    public void Dispose()
    {
        _affine.Dispose();
        _weight.Dispose();
        _inputGain.Dispose();
        _bias.Dispose();
        _activation.Dispose();
    }
}
