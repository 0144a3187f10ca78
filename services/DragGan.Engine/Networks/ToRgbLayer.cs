using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>
/// The reference's <c>ToRGBLayer</c>: a modulated 1x1 convolution without demodulation, whose style
/// is affine(w) * 1/sqrt(C_in) (folded into the affine weights), then bias and conv_clamp.
/// </summary>
internal sealed class ToRgbLayer : IDisposable
{
    private readonly FullyConnectedLayer _affine;
    private readonly ModulatedConv _conv;
    private readonly Tensor _bias;
    private readonly double? _convClamp;
    private readonly string _name;

    public ToRgbLayer(NamedTensors source, string name, int inChannels, float? convClamp)
    {
        _affine = new FullyConnectedLayer(source, $"{name}.affine", outputGain: 1f / MathF.Sqrt(inChannels));
        _conv = new ModulatedConv(source, name, upsample: false, demodulate: false);
        _bias = source.Take($"{name}.bias");
        _convClamp = convClamp;
        _name = name;
    }

    public Tensor Forward(Tensor x, Tensor w, bool fused)
    {
        TensorShape.Assert(w, $"{_name} w", x.shape[0], _affine.InFeatures);
        var styles = _affine.Forward(w);
        return BiasAct.Linear(_conv.Forward(x, styles, noise: null, fused), _bias, _convClamp);
    }

    public void Dispose()
    {
        _affine.Dispose();
        _conv.Dispose();
        _bias.Dispose();
    }
}
