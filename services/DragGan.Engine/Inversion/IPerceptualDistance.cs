using static TorchSharp.torch;

namespace DragGan.Engine.Inversion;

/// <summary>
/// A learned image distance for the projector's loss, such as the LPIPS distance over VGG16
/// features that the reference projector minimises. None ships with the engine (the feature
/// network's weights are not part of it), so by default the projector's loss is pixel-only; a
/// host that has such weights plugs them in through <see cref="InversionOptions.PerceptualDistance"/>.
/// </summary>
public interface IPerceptualDistance
{
    /// <summary>
    /// Prepares a projection's target once (the reference computes its VGG16 features once).
    /// <paramref name="target"/>: [1, 3, R, R] float32 in [-1, 1] at the generator's resolution, on
    /// its device; the implementation must not keep it beyond the call without copying it.
    /// </summary>
    IPerceptualTarget Prepare(Tensor target);
}
