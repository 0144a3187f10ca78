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
}
