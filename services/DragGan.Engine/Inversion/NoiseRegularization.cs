using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Engine.Inversion;

/// <summary>
/// The reference projector's treatment of the optimised per-layer noise: a penalty on spatial
/// autocorrelation at every scale, and renormalisation to zero mean and unit variance after each
/// step, which together keep the noise from absorbing image content.
/// </summary>
internal static class NoiseRegularization
{
    /// <summary>
    /// For each [H, W] buffer: the squared mean of its product with itself shifted by one pixel
    /// (circularly) along x and along y, summed; then the buffer is 2x2 average-pooled and the terms
    /// repeated, down to 8x8 (a buffer of 8x8 or less contributes its own scale only).
    /// </summary>
    public static Tensor Penalty(IReadOnlyList<Tensor> buffers)
    {
        Tensor? total = null;
        foreach (var buffer in buffers)
        {
            var noise = buffer.reshape(1, 1, buffer.shape[0], buffer.shape[1]);
            while (true)
            {
                var alongX = noise.mul(noise.roll(1, 3)).mean().square();
                var alongY = noise.mul(noise.roll(1, 2)).mean().square();
                var terms = alongX.add(alongY);
                total = total is null ? terms : total.add(terms);
                if (noise.shape[2] <= 8)
                    break;
                noise = F.avg_pool2d(noise, 2);
            }
        }
        return total ?? torch.zeros([]);
    }

    /// <summary>In place: zero mean, unit mean square.</summary>
    public static void Normalize(Tensor buffer)
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        buffer.sub_(buffer.mean());
        buffer.mul_(buffer.square().mean().rsqrt());
    }
}
