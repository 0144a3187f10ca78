using static TorchSharp.torch;

namespace DragGan.Engine.Inversion;

/// <summary>
/// How closely a reconstruction matches its target at the generator's resolution: the mean
/// squared error with pixels in [0, 1], and the PSNR in dB with pixels in [0, 255],
/// <c>10 log10(255^2 / mse_255)</c> (equal to <c>10 log10(1 / mse_01)</c>; infinite for a perfect
/// match). Both images are clamped to the displayable range [-1, 1] first, not quantised.
/// </summary>
public readonly record struct ReconstructionQuality(double Mse, double Psnr)
{
    /// <summary>Both images [1, 3, R, R] in [-1, 1].</summary>
    internal static ReconstructionQuality Measure(Tensor image, Tensor target)
    {
        using var scope = NewDisposeScope();
        // Mapping [-1, 1] to [0, 1] halves every difference.
        var mse = image.detach().clamp(-1, 1).sub(target.clamp(-1, 1)).square().mean().item<float>() / 4.0;
        return FromMse(mse);
    }

    internal static ReconstructionQuality FromMse(double mse01) =>
        new(mse01, mse01 > 0 ? 10 * Math.Log10(1 / mse01) : double.PositiveInfinity);
}
