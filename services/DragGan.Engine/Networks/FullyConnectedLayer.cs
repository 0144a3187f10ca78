using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Networks;

/// <summary>
/// The reference's <c>FullyConnectedLayer</c> with equalized learning rate: weight * lr_mul / sqrt(in),
/// bias * lr_mul, then linear or leaky ReLU 0.2 with gain sqrt(2). The runtime gains are folded into
/// the stored weights once at load; the product is the same.
/// </summary>
internal sealed class FullyConnectedLayer : IDisposable
{
    private readonly Tensor _weightTransposed;
    private readonly Tensor _bias;
    private readonly bool _leakyRelu;
    private readonly string _name;

    /// <param name="outputGain">An extra gain on the output (toRGB folds its style gain in here).</param>
    public FullyConnectedLayer(NamedTensors source, string name, float lrMultiplier = 1f, bool leakyRelu = false, float outputGain = 1f)
    {
        using var weight = source.Take($"{name}.weight");
        using var bias = source.Take($"{name}.bias");
        var weightGain = lrMultiplier / MathF.Sqrt(weight.shape[1]);
        _weightTransposed = NamedTensors.Keep(weight.mul(weightGain * outputGain).t().contiguous());
        _bias = NamedTensors.Keep(bias.mul(lrMultiplier * outputGain));
        _leakyRelu = leakyRelu;
        _name = name;
        InFeatures = _weightTransposed.shape[0];
    }

    /// <summary>Features of the input, the weight's fan-in (the w_dim of an affine, the z_dim of mapping.fc0).</summary>
    public long InFeatures { get; }

    /// <summary>x: [N, in] -> [N, out]. Call inside a dispose scope.</summary>
    public Tensor Forward(Tensor x)
    {
        TensorShape.Assert(x, $"{_name} input", null, InFeatures);
        var y = torch.addmm(_bias, x, _weightTransposed, beta: 1, alpha: 1);
        return _leakyRelu ? F.leaky_relu(y, BiasAct.LeakyReluSlope).mul(BiasAct.LeakyReluGain) : y;
    }

    public void Dispose()
    {
        _weightTransposed.Dispose();
        _bias.Dispose();
    }
}
