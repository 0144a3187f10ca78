using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Networks.StyleGan3;

/// <summary>
/// The alias-free nonlinearity (Karras et al. 2021, section 3.2) by the steps of stylegan3
/// <c>torch_utils/ops/filtered_lrelu.py</c> <c>_filtered_lrelu_ref</c>, the path the official code
/// runs on CPU: add the bias, upsample with the up filter (gain up^2) and the layer's padding,
/// leaky ReLU times gain, clamp, then filter with the down filter and decimate. The CUDA kernel of
/// the reference fuses these steps; this composes them from standard ops, so on a GPU it spends the
/// memory of the upsampled map (up^2 times the conv output, per channel) and several kernel launches
/// per layer.
/// </summary>
internal sealed class FilteredLeakyRelu : IDisposable
{
    private readonly SeparableUpFirDn _upsample;
    private readonly SeparableUpFirDn _downsample;
    private readonly double _slope;
    private readonly double _gain;
    private readonly double? _clamp;

    /// <param name="upFilter">[taps] or null (identity); likewise <paramref name="downFilter"/>.</param>
    public FilteredLeakyRelu(Tensor? upFilter, Tensor? downFilter, long channels, int up, int down, int[] padding, double gain, double slope, double? clamp)
    {
        _upsample = new SeparableUpFirDn(upFilter, channels, up, down: 1, padding, gain: up * up);
        _downsample = new SeparableUpFirDn(downFilter, channels, up: 1, down, [0, 0, 0, 0], gain: 1);
        _gain = gain;
        _slope = slope;
        _clamp = clamp;
    }

    /// <summary>x: [N, C, H, W], bias: [C]. Call inside a dispose scope.</summary>
    public Tensor Forward(Tensor x, Tensor bias)
    {
        x = x.add(bias.reshape(1, -1, 1, 1));
        x = _upsample.Forward(x);
        // A slope of 1 (ToRGB) is the identity.
        if (_slope != 1)
            x = F.leaky_relu(x, _slope);
        if (_gain != 1)
            x = x.mul(_gain);
        if (_clamp is { } clamp)
            x = x.clamp(-clamp, clamp);
        return _downsample.Forward(x);
    }

    public void Dispose()
    {
        _upsample.Dispose();
        _downsample.Dispose();
    }
}
