using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Networks.StyleGan3;

/// <summary>
/// Upsample, FIR-filter and downsample with a separable 1-D filter, by the steps of stylegan3
/// <c>torch_utils/ops/upfirdn2d.py</c> <c>_upfirdn2d_ref</c> (the reference path the official code
/// takes on CPU): insert <c>up - 1</c> zeros after each sample, pad (negative values crop), convolve
/// rows then columns with the flipped filter scaled by <c>sqrt(gain)</c> each, keep every
/// <c>down</c>-th sample. Cost: the zero-stuffed map is <c>up^2</c> times the input and each pass
/// is a depthwise convolution over it, so a 2x upsampling pass spends 3/4 of its multiplies on zeros.
/// </summary>
internal sealed class SeparableUpFirDn : IDisposable
{
    private readonly Tensor? _horizontal; // [C, 1, 1, taps]
    private readonly Tensor? _vertical;   // [C, 1, taps, 1]
    private readonly long _channels;
    private readonly int _up;
    private readonly int _down;
    private readonly int[] _padding;      // x0, x1, y0, y1
    private readonly double _identityGain = 1;

    /// <param name="filter">[taps], or null for the identity (one tap).</param>
    public SeparableUpFirDn(Tensor? filter, long channels, int up, int down, int[] padding, double gain)
    {
        _channels = channels;
        _up = up;
        _down = down;
        _padding = padding;
        if (filter is null)
        {
            // The reference stands in a [1, 1] filter of ones, scaled by gain ** (2 / 2).
            _identityGain = gain;
            return;
        }
        using var scope = NewDisposeScope();
        // As the reference: f * gain ** (f.ndim / 2), flipped (convolution, not correlation), one copy per channel.
        var scaled = filter.to(ScalarType.Float32).mul(Math.Pow(gain, 0.5)).flip(0).unsqueeze(0).unsqueeze(0).repeat(channels, 1, 1);
        _horizontal = scaled.unsqueeze(2).contiguous().DetachFromDisposeScope();
        _vertical = scaled.unsqueeze(3).contiguous().DetachFromDisposeScope();
    }

    /// <summary>x: [N, C, H, W]. Call inside a dispose scope.</summary>
    public Tensor Forward(Tensor x)
    {
        var (batch, height, width) = (x.shape[0], x.shape[2], x.shape[3]);
        if (_up > 1)
        {
            x = x.reshape(batch, _channels, height, 1, width, 1);
            x = F.pad(x, [0, _up - 1, 0, 0, 0, _up - 1]);
            x = x.reshape(batch, _channels, height * _up, width * _up);
        }

        var (x0, x1, y0, y1) = (_padding[0], _padding[1], _padding[2], _padding[3]);
        if (x0 > 0 || x1 > 0 || y0 > 0 || y1 > 0)
            x = F.pad(x, [Math.Max(x0, 0), Math.Max(x1, 0), Math.Max(y0, 0), Math.Max(y1, 0)]);
        if (x0 < 0 || x1 < 0 || y0 < 0 || y1 < 0)
        {
            x = x.slice(2, Math.Max(-y0, 0), x.shape[2] - Math.Max(-y1, 0), 1)
                 .slice(3, Math.Max(-x0, 0), x.shape[3] - Math.Max(-x1, 0), 1);
        }

        if (_horizontal is not null)
        {
            x = F.conv2d(x, _horizontal, groups: _channels);
            x = F.conv2d(x, _vertical!, groups: _channels);
        }
        else if (_identityGain != 1)
        {
            x = x.mul(_identityGain);
        }
        if (_down > 1)
            x = x.slice(2, 0, x.shape[2], _down).slice(3, 0, x.shape[3], _down);
        return x;
    }

    public void Dispose()
    {
        _horizontal?.Dispose();
        _vertical?.Dispose();
    }
}
