namespace DragGan.Engine.Networks;

/// <summary>
/// The family of a generator checkpoint: what network computes its images, and which official
/// code wrote it. Recorded in native checkpoints and reported to clients.
/// </summary>
public enum GeneratorKind
{
    /// <summary>StyleGAN2-ADA / DragGAN StyleGAN2 (<c>training.networks</c>, <c>training.networks_stylegan2</c>), square.</summary>
    StyleGan2,

    /// <summary>
    /// A TensorFlow-era StyleGAN2 pickle (<c>dnnlib.tflib.network.Network</c>, configs E/F), converted
    /// to the StyleGAN2 network exactly as the official <c>legacy.py</c> converts it.
    /// </summary>
    StyleGan2Tf,

    /// <summary>
    /// StyleGAN-Human: StyleGAN2 with rectangular synthesis (height = img_resolution, width half of it),
    /// padded on the width to the square frame as DragGAN pads it.
    /// </summary>
    StyleGanHuman,

    /// <summary>StyleGAN3 with translation equivariance (<c>training.networks_stylegan3</c>, config T).</summary>
    StyleGan3T,

    /// <summary>StyleGAN3 with rotation equivariance (<c>training.networks_stylegan3</c>, config R).</summary>
    StyleGan3R,
}
