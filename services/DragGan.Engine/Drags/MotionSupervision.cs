namespace DragGan.Engine.Drags;

/// <summary>Where motion supervision takes each handle's reference features from.</summary>
public enum MotionSupervision
{
    /// <summary>DragGAN (paper Eq. 1): the current features of the disk around the handle, detached.</summary>
    Current,

    /// <summary>
    /// After StableDrag's confidence-based latent enhancement (Cui et al., CVPR 2024): while the
    /// tracked point's feature stays close to the handle's template (cosine similarity at least
    /// <see cref="DragParameters.ConfidenceThreshold"/>) as DragGAN; below it the disk's features
    /// of the first step around the handle's origin supervise instead, pulling the original
    /// content along rather than whatever the tracker found. StableDrag's learned tracker is not
    /// part of it; tracking stays DragGAN's nearest-neighbour search.
    /// </summary>
    ConfidenceGated,
}
