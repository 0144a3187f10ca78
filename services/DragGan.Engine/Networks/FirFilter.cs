using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Networks;

/// <summary>
/// The [1,3,3,1] resampling filter of StyleGAN2 (the reference's <c>upfirdn2d.setup_filter</c>:
/// outer product normalised to sum 1), applied depthwise to a fixed number of channels in the two
/// ways the synthesis network uses it. The filter is symmetric, so the reference's flip is a no-op.
/// </summary>
internal sealed class FirFilter : IDisposable
{
    private readonly Tensor _depthwise;
    private readonly long _channels;

    public FirFilter(NamedTensors source, string bufferName, long channels)
    {
        // The checkpoint's buffer is the reference filter; take it rather than rebuild it.
        using var filter = source.Take(bufferName);
        if (filter.shape is not [4, 4])
            throw new ArgumentException($"'{bufferName}' must be a 4x4 FIR filter.");
        // Gain up^2 = 4 for 2x upsampling: upfirdn2d multiplies the 2-D filter by the gain.
        using var scaled = filter.mul(4);
        _depthwise = NamedTensors.Keep(scaled.reshape(1, 1, 4, 4).repeat(channels, 1, 1, 1));
        _channels = channels;
    }

    /// <summary>
    /// <c>upfirdn2d.upsample2d(x, f, up=2)</c>: zero insertion, pad [2,1], 4x4 FIR. Equal to a
    /// depthwise transposed convolution with stride 2 and padding 1, which skips the zero-stuffed copy.
    /// </summary>
    public Tensor Upsample2x(Tensor x) =>
        F.conv_transpose2d(x, _depthwise.to(x.dtype), strides: [2, 2], padding: [1, 1], groups: _channels);

    /// <summary>
    /// <c>upfirdn2d(x, f, padding=p, gain=4)</c> without resampling: the FIR pass that follows the
    /// stride-2 transposed convolution in <c>conv2d_resample</c>.
    /// </summary>
    public Tensor Filter(Tensor x, long padding) =>
        F.conv2d(x, _depthwise.to(x.dtype), padding: [padding, padding], groups: _channels);

    public void Dispose() => _depthwise.Dispose();
}
