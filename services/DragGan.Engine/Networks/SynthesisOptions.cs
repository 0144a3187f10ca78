namespace DragGan.Engine.Networks;

/// <summary>What a synthesis forward computes and returns.</summary>
public sealed record SynthesisOptions
{
    public NoiseMode NoiseMode { get; init; } = NoiseMode.Const;

    /// <summary>
    /// Compute the full image. When false the forward stops after the last feature asked for
    /// (<see cref="DragFeature"/>, <see cref="FeatureResolutions"/>): the drag loop needs only
    /// features between frames.
    /// </summary>
    public bool RenderImage { get; init; } = true;

    /// <summary>Return the feature map drags track (<see cref="SynthesisResult.DragFeature"/>).</summary>
    public bool DragFeature { get; init; }

    /// <summary>
    /// StyleGAN2-family generators only: blocks (by resolution, e.g. 128 for DragGAN's b128) whose
    /// output features to return.
    /// </summary>
    public IReadOnlyCollection<int> FeatureResolutions { get; init; } = [];

    /// <summary>Keep every block in fp32 even on CUDA.</summary>
    public bool ForceFp32 { get; init; }

    /// <summary>
    /// Per-layer noise for <see cref="NoiseMode.Given"/>, required there and refused otherwise: one
    /// tensor per synthesis layer in <see cref="ImageGenerator.NoiseShapes"/> order, each shaped as
    /// the checkpoint's <c>noise_const</c>, on the generator's device. Gradients flow into
    /// them. A forward that stops early reads only the buffers of the blocks it runs.
    /// </summary>
    public IReadOnlyList<TorchSharp.torch.Tensor>? NoiseBuffers { get; init; }

    /// <summary>
    /// StyleGAN2-family only: a change to each synthesis layer's convolution weight for this forward
    /// (pivotal tuning's per-photo delta), one entry per layer in <see cref="ImageGenerator.ConvLayers"/>
    /// order, null for none, each shaped as the layer's weight [O, I, k, k] (one delta for the
    /// whole batch) or [N, O, I, k, k] (one per sample: edits with different deltas in one batch,
    /// zeros for an edit without one; in the unfused form each delta's convolution runs beside the
    /// shared weights, and a sample without one gets exactly its bits without deltas), on the
    /// generator's device.
    /// The layer convolves with weight + delta, modulated and demodulated as its own weight is; the
    /// generator's weights are not changed, and gradients flow into the deltas. toRGB layers take
    /// none. A forward without deltas runs exactly as before.
    /// </summary>
    public IReadOnlyList<TorchSharp.torch.Tensor?>? ConvWeightDeltas { get; init; }

    /// <summary>Fused (grouped) modulated convolution; null picks as the reference does in eval mode.</summary>
    public bool? FusedModulation { get; init; }
}
