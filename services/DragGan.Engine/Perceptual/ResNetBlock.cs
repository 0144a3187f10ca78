using static TorchSharp.torch;

namespace DragGan.Engine.Perceptual;

/// <summary>
/// ResNet's basic block (He et al. 2016): relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), the
/// shortcut the identity or, where the block changes resolution or width, a 1x1 convolution and
/// batch normalisation.
/// </summary>
internal sealed class ResNetBlock(ConvLayer conv1, BatchNormLayer norm1, ConvLayer conv2, BatchNormLayer norm2, (ConvLayer Conv, BatchNormLayer Norm)? projection) : IDisposable
{
    /// <summary>Whether the shortcut is a projection: the block changes resolution or width, and starts a stage.</summary>
    public bool Projects => projection is not null;

    public Tensor Forward(Tensor x)
    {
        var main = norm2.Forward(conv2.Forward(norm1.Forward(conv1.Forward(x)).relu()));
        var shortcut = projection is var (conv, norm) ? norm.Forward(conv.Forward(x)) : x;
        return main.add(shortcut).relu();
    }

    public void Dispose()
    {
        conv1.Dispose();
        norm1.Dispose();
        conv2.Dispose();
        norm2.Dispose();
        if (projection is var (conv, norm))
        {
            conv.Dispose();
            norm.Dispose();
        }
    }
}
