using DragGan.Engine.Perceptual.Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Perceptual;

/// <summary>
/// An ONNX <c>Conv</c> without bias as the exporter wrote it: every attribute honoured, pads
/// included when they differ at the start and the end (the CNTK export pads its strided
/// convolutions [1, 1, 0, 0] and its first 7x7 convolution [3, 3, 2, 2]).
/// </summary>
internal sealed class ConvLayer : IDisposable
{
    private readonly Tensor _weight;
    private readonly SpatialPads _pads;
    private readonly long[] _strides;
    private readonly long[] _dilations;

    public ConvLayer(NodeProto node, Tensor weight)
    {
        node.RequireOnly("kernel_shape", "strides", "pads", "dilations", "group", "auto_pad");
        if (node.Input.Count != 2)
            throw new OnnxFormatException($"Node {node.Name} (Conv): expected an input and a weight without bias, found {node.Input.Count} inputs.");
        if (weight.dim() != 4)
            throw new OnnxFormatException($"Node {node.Name} (Conv): weight must be [O, I, kh, kw], got [{string.Join(", ", weight.shape)}].");
        if (node.Int("group", 1) != 1)
            throw new OnnxFormatException($"Node {node.Name} (Conv): group {node.Int("group", 1)} is not supported.");
        var kernel = node.Ints("kernel_shape", [weight.shape[2], weight.shape[3]]);
        if (kernel.Count != 2 || kernel[0] != weight.shape[2] || kernel[1] != weight.shape[3])
            throw new OnnxFormatException($"Node {node.Name} (Conv): kernel_shape [{string.Join(", ", kernel)}] does not match its weight [{string.Join(", ", weight.shape)}].");
        _weight = weight;
        _strides = [.. node.Ints("strides", [1, 1])];
        _dilations = [.. node.Ints("dilations", [1, 1])];
        _pads = SpatialPads.Of(node);
    }

    public long OutChannels => _weight.shape[0];

    public Tensor Forward(Tensor x) =>
        F.conv2d(_pads.Apply(x, value: 0), _weight, strides: _strides, dilation: _dilations);

    public void Dispose() => _weight.Dispose();
}
