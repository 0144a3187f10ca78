using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>
/// The reference's <c>MappingNetwork</c> for unconditional generators: 2nd-moment normalisation of z,
/// fully connected layers with leaky ReLU and lr multiplier 0.01, broadcast to num_ws rows, and
/// truncation toward w_avg (<c>w_avg.lerp(w, psi)</c>) on all rows or the first <c>cutoff</c> rows.
/// </summary>
internal sealed class MappingNetwork : IDisposable
{
    private const double NormalizationEpsilon = 1e-8;

    private readonly FullyConnectedLayer[] _layers;
    private readonly int _numWs;

    public MappingNetwork(NamedTensors source, GeneratorConfig config)
        : this(source, config.MappingLayers, config.MappingLrMultiplier, config.NumWs)
    {
    }

    /// <summary>StyleGAN3's mapping network computes the same function; only the layer count and num_ws differ.</summary>
    public MappingNetwork(NamedTensors source, int layers, float lrMultiplier, int numWs)
    {
        _layers = Enumerable.Range(0, layers)
            .Select(i => new FullyConnectedLayer(source, $"mapping.fc{i}", lrMultiplier, leakyRelu: true))
            .ToArray();
        WAverage = source.Take("mapping.w_avg");
        _numWs = numWs;
    }

    /// <summary>The running mean of w the checkpoint was trained with: [w_dim].</summary>
    public Tensor WAverage { get; }

    /// <summary>z: [N, z_dim] -> ws: [N, num_ws, w_dim]. Call inside a dispose scope.</summary>
    public Tensor Forward(Tensor z, double psi, int? cutoff)
    {
        TensorShape.Assert(z, "mapping z", null, _layers[0].InFeatures);
        var x = z.to(ScalarType.Float32);
        x = x.mul(x.square().mean([1], keepdim: true).add(NormalizationEpsilon).rsqrt());
        foreach (var layer in _layers)
            x = layer.Forward(x);

        var ws = x.unsqueeze(1).repeat(1, _numWs, 1);
        if (psi == 1)
            return ws;
        var rows = Math.Clamp(cutoff ?? _numWs, 0, _numWs);
        var truncated = WAverage.lerp(ws.narrow(1, 0, rows), psi);
        return rows == _numWs ? truncated : torch.cat([truncated, ws.narrow(1, rows, _numWs - rows)], 1);
    }

    public void Dispose()
    {
        foreach (var layer in _layers)
            layer.Dispose();
        WAverage.Dispose();
    }
}
