using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Tuning;

/// <summary>
/// The trainable tensors behind a <see cref="WeightDelta"/>, on the generator's device. Low rank
/// (LoRA's initialisation, Hu et al. 2021): B = 0 and A unit Gaussian, so tuning starts from the
/// generator unchanged. Full: dW = 0.
/// </summary>
internal sealed class ConvDeltaParameters : IDisposable
{
    private readonly IReadOnlyList<ConvLayerShape> _layers;
    private readonly Tensor[] _b;
    private readonly Tensor[]? _a;

    public ConvDeltaParameters(IReadOnlyList<ConvLayerShape> layers, TuningMode mode, int rank, Device device, ulong seed)
    {
        _layers = layers;
        Mode = mode;
        Rank = mode == TuningMode.Full ? 0 : rank;
        using var random = new TorchSharp.torch.Generator(seed, device);
        if (mode == TuningMode.Full)
        {
            _b = layers.Select(l => zeros([l.OutChannels, l.FanIn], device: device).DetachFromDisposeScope()).ToArray();
        }
        else
        {
            _b = layers.Select(l => zeros([l.OutChannels, rank], device: device).DetachFromDisposeScope()).ToArray();
            _a = layers.Select(l => randn([rank, l.FanIn], device: device, generator: random).DetachFromDisposeScope()).ToArray();
        }
    }

    public TuningMode Mode { get; }

    public int Rank { get; }

    /// <summary>Every trainable tensor: B of each layer, then A of each layer.</summary>
    public IReadOnlyList<Tensor> Tensors => _a is null ? _b : [.. _b, .. _a];

    /// <summary>
    /// The weight deltas [O, I, k, k] for a forward, from <paramref name="leaves"/> (tensors aligned
    /// with <see cref="Tensors"/>, e.g. copies that require gradients). Call inside a dispose scope.
    /// </summary>
    public Tensor?[] Deltas(IReadOnlyList<Tensor> leaves) =>
        _layers.Select((layer, i) =>
        {
            var flat = _a is null ? leaves[i] : leaves[i].matmul(leaves[_b.Length + i]);
            return (Tensor?)flat.reshape(layer.WeightShape);
        }).ToArray();

    /// <summary>The delta as it travels: values rounded to fp16, so the stored delta renders what is shown.</summary>
    public WeightDelta Export(string modelId)
    {
        var layers = _layers.Select((shape, i) => new WeightDeltaLayer(shape, ToHalfPrecision(_b[i]), _a is null ? [] : ToHalfPrecision(_a[i]))).ToArray();
        return new WeightDelta(modelId, Mode == TuningMode.Full ? WeightDeltaKind.Full : WeightDeltaKind.LowRank, Rank, layers);
    }

    private static float[] ToHalfPrecision(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        return tensor.detach().to(ScalarType.Float16).to(ScalarType.Float32).cpu().data<float>().ToArray();
    }

    public void Dispose()
    {
        foreach (var tensor in Tensors)
            tensor.Dispose();
    }
}
