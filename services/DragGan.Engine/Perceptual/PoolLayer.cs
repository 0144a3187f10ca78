using DragGan.Engine.Perceptual.Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Perceptual;

/// <summary>
/// An ONNX <c>MaxPool</c> or <c>AveragePool</c> with every attribute honoured: max pooling pads with
/// -infinity (padding never wins), asymmetric pads included; average pooling is supported unpadded only.
/// </summary>
internal sealed class PoolLayer
{
    private readonly bool _max;
    private readonly long[] _kernel;
    private readonly long[] _strides;
    private readonly SpatialPads _pads;

    public PoolLayer(NodeProto node)
    {
        _max = node.OpType switch
        {
            "MaxPool" => true,
            "AveragePool" => false,
            _ => throw new OnnxFormatException($"Node {node.Name}: {node.OpType} is not a pooling operator."),
        };
        if (_max)
        {
            node.RequireOnly("kernel_shape", "strides", "pads", "auto_pad", "storage_order");
            if (node.Output.Count != 1)
                throw new OnnxFormatException($"Node {node.Name} (MaxPool): the indices output is not supported.");
        }
        else
        {
            node.RequireOnly("kernel_shape", "strides", "pads", "auto_pad", "count_include_pad");
        }
        _kernel = [.. node.Ints("kernel_shape")];
        _strides = [.. node.Ints("strides", [1, 1])];
        _pads = SpatialPads.Of(node);
        if (!_max && !_pads.IsZero)
            throw new OnnxFormatException($"Node {node.Name} (AveragePool): padded average pooling is not supported.");
    }

    public Tensor Forward(Tensor x) => _max
        ? F.max_pool2d(_pads.Apply(x, double.NegativeInfinity), _kernel, _strides)
        : F.avg_pool2d(x, _kernel, _strides);
}
