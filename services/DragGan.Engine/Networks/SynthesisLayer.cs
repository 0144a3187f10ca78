using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>
/// The reference's <c>SynthesisLayer</c>: style = affine(w); modulated, demodulated 3x3 convolution
/// (2x upsampling for conv0 of every block above 4x4); per-pixel noise; bias, leaky ReLU with gain
/// sqrt(2) and conv_clamp.
/// </summary>
internal sealed class SynthesisLayer : IDisposable
{
    private readonly FullyConnectedLayer _affine;
    private readonly ModulatedConv _conv;
    private readonly Tensor _bias;
    private readonly Tensor _noiseConst;
    private readonly Tensor _noiseStrength;
    private readonly double? _convClamp;
    private readonly int _resolution;
    private readonly string _name;
    private readonly int _up;

    public SynthesisLayer(NamedTensors source, string name, int resolution, bool upsample, float? convClamp)
    {
        Name = name;
        _affine = new FullyConnectedLayer(source, $"{name}.affine");
        _conv = new ModulatedConv(source, name, upsample, demodulate: true);
        _bias = source.Take($"{name}.bias");
        _noiseConst = source.Take($"{name}.noise_const");
        _noiseStrength = source.Take($"{name}.noise_strength");
        _convClamp = convClamp;
        _resolution = resolution;
        _name = name;
        _up = upsample ? 2 : 1;
    }

    public int Resolution => _resolution;

    /// <summary>The layer's name in the official state dict, e.g. <c>synthesis.b8.conv0</c>.</summary>
    public string Name { get; }

    public ConvLayerShape Shape => new(Name, (int)_conv.OutChannels, (int)_conv.InChannels, (int)_conv.Kernel);

    /// <summary>
    /// x: [N, C_in, H, W], w: [N, w_dim] -> [N, C_out, res, width]. <paramref name="givenNoise"/>
    /// (shaped as <c>noise_const</c>) is read for <see cref="NoiseMode.Given"/> only. Call inside a dispose scope.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor w, NoiseMode noiseMode, Tensor? givenNoise, bool fused, Tensor? weightDelta)
    {
        // As the reference: x [N, in_channels, res / up, width / up]; noise_const is [res, width].
        TensorShape.Assert(x, $"{_name} x", null, _conv.InChannels, _resolution / _up, _noiseConst.shape[1] / _up);
        TensorShape.Assert(w, $"{_name} w", x.shape[0], _affine.InFeatures);
        var styles = _affine.Forward(w);
        var noise = noiseMode switch
        {
            NoiseMode.Const => _noiseConst.mul(_noiseStrength),
            NoiseMode.Random => torch.randn([x.shape[0], 1, _noiseConst.shape[0], _noiseConst.shape[1]], device: x.device).mul(_noiseStrength),
            NoiseMode.Given => givenNoise!.mul(_noiseStrength),
            _ => null,
        };
        var y = _conv.Forward(x, styles, noise, fused, weightDelta);
        return BiasAct.LeakyRelu(y, _bias, BiasAct.LeakyReluGain, _convClamp);
    }

    /// <summary>A copy of the checkpoint's <c>noise_const</c>, [res, width].</summary>
    public Tensor CopyNoiseConst() => _noiseConst.detach().clone();

    public void Dispose()
    {
        _affine.Dispose();
        _conv.Dispose();
        _bias.Dispose();
        _noiseConst.Dispose();
        _noiseStrength.Dispose();
    }
}
