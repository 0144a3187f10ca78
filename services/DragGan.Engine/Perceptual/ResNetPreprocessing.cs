using DragGan.Engine.Perceptual.Onnx;
using static TorchSharp.torch;

namespace DragGan.Engine.Perceptual;

/// <summary>
/// The package's <c>ResNetPreprocess.onnx</c> read into TorchSharp: the channels reordered
/// (Split, then Concat in another order: RGB to BGR) and a mean image subtracted (Sub, a
/// [1, 3, 224, 224] initializer with channel means near 103, 116, 123), the Caffe convention the
/// network was trained with: inputs are 0-255.
/// </summary>
public sealed class ResNetPreprocessing : IDisposable
{
    private readonly long[] _channelOrder;
    private readonly Tensor _mean;

    private ResNetPreprocessing(long[] channelOrder, Tensor mean)
    {
        _channelOrder = channelOrder;
        _mean = mean;
    }

    /// <summary>Output channel i is input channel ChannelOrder[i]: [2, 1, 0] for RGB to BGR.</summary>
    public IReadOnlyList<long> ChannelOrder => _channelOrder;

    /// <summary>The mean image, [1, 3, 224, 224] in the output's channel order.</summary>
    public Tensor Mean => _mean;

    public static ResNetPreprocessing Read(string path, Device? device = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"ResNet preprocessing model not found at {path}; it arrives with the Microsoft.ML.DnnImageFeaturizer.ResNet18 package.", path);
        return Read(ModelProto.Parser.ParseFrom(File.ReadAllBytes(path)), device);
    }

    internal static ResNetPreprocessing Read(ModelProto model, Device? device = null)
    {
        var nodes = model.Graph?.Node ?? throw new OnnxFormatException("The preprocessing model has no graph.");
        if (nodes.Count != 3 || nodes[0].OpType != "Split" || nodes[1].OpType != "Concat" || nodes[2].OpType != "Sub")
            throw new OnnxFormatException($"Expected Split, Concat, Sub; found {string.Join(", ", nodes.Select(n => n.OpType))}.");
        var (split, concat, sub) = (nodes[0], nodes[1], nodes[2]);
        if (split.Int("axis", 0) != 1 || concat.Int("axis", 0) != 1 || split.Output.Count != 3 || concat.Input.Count != 3)
            throw new OnnxFormatException("Split and Concat must work on the channel axis (1) with three channels.");
        if (split.Ints("split", [1, 1, 1]).Any(size => size != 1))
            throw new OnnxFormatException("Split must give one channel per output.");
        var order = concat.Input.Select(name => (long)split.Output.IndexOf(name)).ToArray();
        if (order.Any(index => index < 0))
            throw new OnnxFormatException("Concat must join the Split's outputs.");
        if (sub.Input.Count != 2 || sub.Input[0] != concat.Output[0])
            throw new OnnxFormatException("Sub must subtract from the Concat's output.");
        var mean = model.Graph.Initializer.FirstOrDefault(t => t.Name == sub.Input[1])
            ?? throw new OnnxFormatException($"Sub's second input ({sub.Input[1]}) is not an initializer.");
        if (mean.Dims.Count != 4 || mean.Dims[1] != 3)
            throw new OnnxFormatException($"The mean image must be [1, 3, H, W], got [{string.Join(", ", mean.Dims)}].");
        return new ResNetPreprocessing(order, mean.ToTensor(device ?? CPU));
    }

    /// <summary>images: [N, 3, H, W], RGB 0-255 at the mean image's size -> the network's input.</summary>
    public Tensor Apply(Tensor rgb255)
    {
        using var order = tensor(_channelOrder, device: rgb255.device);
        return rgb255.index_select(1, order).sub(_mean);
    }

    public void Dispose() => _mean.Dispose();
}
