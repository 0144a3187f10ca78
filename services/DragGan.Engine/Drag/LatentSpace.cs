namespace DragGan.Engine.Drag;

/// <summary>Which latent a drag optimises.</summary>
public enum LatentSpace
{
    /// <summary>The first rows of w+ independently (DragGAN's default).</summary>
    WPlus,

    /// <summary>One w vector shared by the optimised rows.</summary>
    W,
}
