using DragGan.Engine.Perceptual.Onnx;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Perceptual;

/// <summary>
/// ONNX's 2-D <c>pads</c> attribute, [top, left, bottom, right] (all begins, then all ends), which
/// may be asymmetric; applied as explicit padding before an unpadded operator.
/// </summary>
internal readonly record struct SpatialPads(long Top, long Left, long Bottom, long Right)
{
    public static SpatialPads Of(NodeProto node)
    {
        var pads = node.Ints("pads", [0, 0, 0, 0]);
        if (pads.Count != 4 || pads.Any(p => p < 0))
            throw new OnnxFormatException($"Node {node.Name} ({node.OpType}): pads must be 4 non-negative values, got [{string.Join(", ", pads)}].");
        return new SpatialPads(pads[0], pads[1], pads[2], pads[3]);
    }

    public bool IsZero => Top == 0 && Left == 0 && Bottom == 0 && Right == 0;

    /// <summary>x: [N, C, H, W] padded with <paramref name="value"/>; torch orders pads (left, right, top, bottom).</summary>
    public Tensor Apply(Tensor x, double value) =>
        IsZero ? x : F.pad(x, [Left, Right, Top, Bottom], PaddingModes.Constant, value);
}
