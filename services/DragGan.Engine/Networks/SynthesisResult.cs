using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>The outputs of one synthesis forward. Owns its tensors.</summary>
public sealed class SynthesisResult(Tensor? image, IReadOnlyDictionary<int, Tensor> features) : IDisposable
{
    /// <summary>[N, img_channels, res, res], float32, roughly in [-1, 1]; null when not rendered.</summary>
    public Tensor? Image { get; } = image;

    /// <summary>Output features of the requested blocks by resolution, [N, C, r, r] in float32.</summary>
    public IReadOnlyDictionary<int, Tensor> Features { get; } = features;

    public void Dispose()
    {
        Image?.Dispose();
        foreach (var feature in Features.Values)
            feature.Dispose();
    }
}
