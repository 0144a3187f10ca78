using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Networks;

/// <summary>
/// The reference's <c>modulated_conv2d</c> with <c>conv2d_resample</c> for up = 1 or 2 and odd
/// square kernels. The fused form folds the per-sample styles into the weights and runs one grouped
/// convolution (groups = batch); the unfused form scales activations instead and shares one weight
/// across the batch. Both compute the same function; the reference picks fused in eval mode for
/// fp32 or batch 1.
/// </summary>
internal sealed class ModulatedConv : IDisposable
{
    private const double DemodulationEpsilon = 1e-8;

    private readonly Tensor _weight;
    private readonly Tensor _squaredWeightSums;
    private readonly FirFilter? _upsampleFilter;
    private readonly bool _demodulate;
    private readonly long _outChannels;
    private readonly long _inChannels;
    private readonly long _kernel;
    private readonly string _name;

    public long OutChannels => _outChannels;

    public long InChannels => _inChannels;

    public long Kernel => _kernel;

    public ModulatedConv(NamedTensors source, string name, bool upsample, bool demodulate)
    {
        _weight = source.Take($"{name}.weight");
        _outChannels = _weight.shape[0];
        _inChannels = _weight.shape[1];
        _kernel = _weight.shape[2];
        using (NewDisposeScope())
            _squaredWeightSums = NamedTensors.Keep(_weight.square().sum([2, 3]).t().contiguous()); // [I, O]
        _upsampleFilter = upsample ? new FirFilter(source, $"{name}.resample_filter", _outChannels) : null;
        _demodulate = demodulate;
        _name = name;
    }

    /// <summary>
    /// x: [N, I, H, W], styles: [N, I], noise: broadcastable to the output or null.
    /// <paramref name="weightDelta"/> is added to the weight before modulation and demodulation:
    /// [O, I, k, k] for the whole batch, or [N, O, I, k, k] one per sample. Per-sample deltas run
    /// beside the shared weight in the unfused form (<see cref="ForwardSharedWithSampleDeltas"/>), and
    /// in the fused form where that is asked for or the block runs in fp16. Without a delta the
    /// weight is the layer's own, untouched.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor styles, Tensor? noise, bool fused, Tensor? weightDelta = null)
    {
        // As modulated_conv2d: styles [batch, in_channels] for x [batch, in_channels, *, *].
        TensorShape.Assert(x, $"{_name} x", null, _inChannels, null, null);
        TensorShape.Assert(styles, $"{_name} styles", x.shape[0], _inChannels);
        if (weightDelta is { } sampleDeltas && sampleDeltas.dim() == 5 && !fused && x.dtype != ScalarType.Float16)
        {
            var shared = ForwardSharedWithSampleDeltas(x, styles, sampleDeltas);
            return noise is null ? shared : shared.add(noise.to(shared.dtype));
        }
        var weight = weightDelta is null ? _weight : _weight.add(weightDelta);
        var perSample = weight.dim() == 5;
        if (x.dtype == ScalarType.Float16 && _demodulate)
        {
            // As the reference: pre-normalise so that fp16 activations cannot overflow.
            weight = weight.mul(1 / Math.Sqrt(_inChannels * _kernel * _kernel)).div(weight.abs().amax(perSample ? [2, 3, 4] : [1, 2, 3], keepdim: true));
            styles = styles.div(styles.abs().amax([1], keepdim: true));
        }
        var y = fused || perSample ? ForwardFused(x, weight, styles) : ForwardShared(x, weight, styles);
        return noise is null ? y : y.add(noise.to(y.dtype));
    }

    private Tensor ForwardFused(Tensor x, Tensor weight, Tensor styles)
    {
        var batch = x.shape[0];
        var w = (weight.dim() == 5 ? weight : weight.unsqueeze(0)).mul(styles.reshape(batch, 1, -1, 1, 1)); // [N, O, I, k, k]
        if (_demodulate)
            w = w.mul(w.square().sum([2, 3, 4]).add(DemodulationEpsilon).rsqrt().reshape(batch, -1, 1, 1, 1));
        return Resample(ConvolvePerSample(x, w));
    }

    private Tensor ForwardShared(Tensor x, Tensor weight, Tensor styles)
    {
        var y = Resample(ConvolveShared(Modulate(x, styles), weight));
        if (!_demodulate)
            return y;
        // sum over (i, kh, kw) of (W s_i)^2 = s^2 @ sum_k W^2; the same coefficients as the fused form.
        var squaredSums = ReferenceEquals(weight, _weight) ? _squaredWeightSums : weight.square().sum([2, 3]).t();
        return Demodulate(y, styles.square().matmul(squaredSums));
    }

    /// <summary>
    /// The unfused form with a delta per sample ([N, O, I, k, k], zeros for a sample without one):
    /// conv(x s, W + dW_n) = conv(x s, W) + conv(x s, dW_n), the second a grouped convolution beside
    /// the shared one, and each sample demodulated by its own W + dW_n. A sample whose delta is zero
    /// gets exactly the bits of the forward without deltas: its added convolution is zero and its
    /// demodulation coefficients are selected from the shared computation.
    /// </summary>
    private Tensor ForwardSharedWithSampleDeltas(Tensor x, Tensor styles, Tensor sampleDeltas)
    {
        var modulated = Modulate(x, styles);
        // The resampling filter is linear: filter the sum once.
        var y = Resample(ConvolveShared(modulated, _weight).add(ConvolvePerSample(modulated, sampleDeltas)));
        if (!_demodulate)
            return y;
        var squaredStyles = styles.square();
        var sharedSums = squaredStyles.matmul(_squaredWeightSums); // [N, O]
        var ownSums = _weight.add(sampleDeltas).square().sum([3, 4]).bmm(squaredStyles.unsqueeze(2)).squeeze(2); // [N, O]
        var hasDelta = sampleDeltas.flatten(1).abs().amax(1).gt(0).unsqueeze(1);
        return Demodulate(y, torch.where(hasDelta, ownSums, sharedSums));
    }

    private static Tensor Modulate(Tensor x, Tensor styles) => x.mul(styles.to(x.dtype).reshape(x.shape[0], -1, 1, 1));

    /// <summary>The batch convolved with one weight [O, I, k, k] (transposed when upsampling), before the resampling filter.</summary>
    private Tensor ConvolveShared(Tensor x, Tensor weight) => _upsampleFilter is null
        ? F.conv2d(x, weight.to(x.dtype), padding: [_kernel / 2, _kernel / 2])
        : F.conv_transpose2d(x, weight.transpose(0, 1).to(x.dtype), strides: [2, 2]);

    /// <summary>Each sample convolved with its own weight [N, O, I, k, k], as one grouped convolution, before the resampling filter.</summary>
    private Tensor ConvolvePerSample(Tensor x, Tensor weights)
    {
        var batch = x.shape[0];
        var grouped = x.reshape(1, -1, x.shape[2], x.shape[3]);
        var y = _upsampleFilter is null
            ? F.conv2d(grouped, weights.reshape(-1, _inChannels, _kernel, _kernel).to(x.dtype), padding: [_kernel / 2, _kernel / 2], groups: batch)
            // Transposed convolution takes [groups * I, O, k, k].
            : F.conv_transpose2d(grouped, weights.transpose(1, 2).reshape(batch * _inChannels, _outChannels, _kernel, _kernel).to(x.dtype), strides: [2, 2], groups: batch);
        return y.reshape(batch, -1, y.shape[2], y.shape[3]);
    }

    /// <summary>The upsampling convolution's resampling filter; nothing for the others.</summary>
    private Tensor Resample(Tensor y) => _upsampleFilter is null ? y : _upsampleFilter.Filter(y, padding: 1);

    /// <summary>Scales each output channel by 1 / sqrt(its squared weight sum + epsilon): <paramref name="squaredSums"/> [N, O].</summary>
    private static Tensor Demodulate(Tensor y, Tensor squaredSums) =>
        y.mul(squaredSums.add(DemodulationEpsilon).rsqrt().to(y.dtype).reshape(y.shape[0], -1, 1, 1));

    public void Dispose()
    {
        _weight.Dispose();
        _squaredWeightSums.Dispose();
        _upsampleFilter?.Dispose();
    }
}
