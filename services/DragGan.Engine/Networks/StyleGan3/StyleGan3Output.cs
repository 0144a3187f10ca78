using static TorchSharp.torch;

namespace DragGan.Engine.Networks.StyleGan3;

/// <summary>The outputs of one StyleGAN3 synthesis forward. Owns its tensors.</summary>
public sealed class StyleGan3Output(Tensor? image, Tensor? feature) : IDisposable
{
    /// <summary>[N, img_channels, res, res] float32 (times output_scale, not clamped); null when not rendered.</summary>
    public Tensor? Image { get; } = image;

    /// <summary>The drag feature layer's output, margins included: [N, C, size, size]; null when not requested.</summary>
    public Tensor? Feature { get; } = feature;

    public void Dispose()
    {
        Image?.Dispose();
        Feature?.Dispose();
    }
}
