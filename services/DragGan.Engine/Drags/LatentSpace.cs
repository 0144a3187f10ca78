namespace DragGan.Engine.Drags;

/// <summary>Which latent a drag or an inversion optimises.</summary>
public enum LatentSpace
{
    /// <summary>Rows of w+ independently: a drag's first rows (DragGAN's default), an inversion's all rows.</summary>
    WPlus,

    /// <summary>One w vector shared by the optimised rows (an inversion's: all rows, as the reference projector).</summary>
    W,
}
