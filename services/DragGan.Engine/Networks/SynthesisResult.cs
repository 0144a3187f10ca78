using static TorchSharp.torch;

namespace DragGan.Engine.Networks;

/// <summary>The outputs of one synthesis forward. Owns its tensors.</summary>
public sealed class SynthesisResult(Tensor? image, IReadOnlyDictionary<int, Tensor> features, Tensor? dragFeature = null) : IDisposable
{
    /// <summary>[N, img_channels, R, R] in the square frame, float32, roughly in [-1, 1]; null when not rendered.</summary>
    public Tensor? Image { get; } = image;

    /// <summary>Output features of the requested blocks by resolution, [N, C, r, r] in float32.</summary>
    public IReadOnlyDictionary<int, Tensor> Features { get; } = features;

    /// <summary>The feature map drags track, [N, C, r, r] in float32; null when not asked for.</summary>
    public Tensor? DragFeature { get; } = dragFeature;

    public void Dispose()
    {
        Image?.Dispose();
        foreach (var feature in Features.Values)
            feature.Dispose();
        if (DragFeature is { } drag && !Features.Values.Any(f => ReferenceEquals(f, drag)))
            drag.Dispose();
    }
}
