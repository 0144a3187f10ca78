namespace DragGan.Engine.Networks;

/// <summary>Per-pixel noise of the synthesis layers, as the reference's <c>noise_mode</c>.</summary>
public enum NoiseMode
{
    /// <summary>The checkpoint's fixed <c>noise_const</c> buffers: deterministic images (DragGAN's default).</summary>
    Const,

    /// <summary>Fresh Gaussian noise at every forward.</summary>
    Random,

    /// <summary>No noise.</summary>
    None,

    /// <summary>
    /// The caller's tensors in <see cref="SynthesisOptions.NoiseBuffers"/> in place of <c>noise_const</c>,
    /// scaled by each layer's noise_strength as the reference scales its buffers: what the projector
    /// optimises (the reference writes into <c>noise_const</c> of a copy of the generator instead).
    /// </summary>
    Given,
}
