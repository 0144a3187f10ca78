using DragGan.Engine.Perceptual.Onnx;
using static TorchSharp.torch;

namespace DragGan.Engine.Perceptual;

/// <summary>
/// An ONNX <c>BatchNormalization</c> in inference mode: (x - mean) / sqrt(var + epsilon) * scale + bias
/// per channel, with the node's epsilon (1e-5 in the ResNet18 export).
/// </summary>
internal sealed class BatchNormLayer : IDisposable
{
    private readonly Tensor _scale;
    private readonly Tensor _bias;
    private readonly Tensor _mean;
    private readonly Tensor _variance;

    public BatchNormLayer(NodeProto node, Tensor scale, Tensor bias, Tensor mean, Tensor variance)
    {
        node.RequireOnly("epsilon", "momentum", "spatial");
        if (node.Int("spatial", 1) != 1)
            throw new OnnxFormatException($"Node {node.Name} (BatchNormalization): spatial 0 is not supported.");
        Epsilon = node.Float("epsilon", 1e-5f);
        _scale = scale;
        _bias = bias;
        _mean = mean;
        _variance = variance;
    }

    public float Epsilon { get; }

    public Tensor Forward(Tensor x) =>
        nn.functional.batch_norm(x, _mean, _variance, _scale, _bias, training: false, eps: Epsilon);

    public void Dispose()
    {
        _scale.Dispose();
        _bias.Dispose();
        _mean.Dispose();
        _variance.Dispose();
    }
}
