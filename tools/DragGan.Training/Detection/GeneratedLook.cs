using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace DragGan.Training.Detection;

/// <summary>
/// Makes crisp renders look like a generator's output, which the detector also has to read:
/// softer (a Gaussian blur whose width is drawn per image from a few steps, none for a fifth of
/// them), with slightly shifted colours and a little pixel noise. Landmarks stay where they are:
/// nothing moves.
/// </summary>
internal static class GeneratedLook
{
    private static readonly double[] BlurSigmas = [0, 0.5, 0.8, 1.1, 1.4];
    private const double MaxNoise = 0.04;

    /// <summary>images [N, 3, H, W] in [-1, 1] -> the same images, each degraded at random.</summary>
    public static Tensor Apply(Tensor images, System.Random random)
    {
        using var scope = NewDisposeScope();
        var count = (int)images.shape[0];
        var sigmas = Enumerable.Range(0, count).Select(_ => random.NextDouble() < 0.2 ? 0 : BlurSigmas[1 + random.Next(BlurSigmas.Length - 1)]).ToArray();
        var blurred = images.clone();
        foreach (var sigma in sigmas.Distinct().Where(s => s > 0))
        {
            var members = tensor(Enumerable.Range(0, count).Where(i => sigmas[i] == sigma).Select(i => (long)i).ToArray());
            blurred.index_copy_(0, members, Blur(images.index_select(0, members), sigma));
        }
        var gain = Uniform(random, count * 3, 0.1).view(count, 3, 1, 1).add(1);
        var offset = Uniform(random, count * 3, 0.05).view(count, 3, 1, 1);
        var noise = tensor(Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * MaxNoise)).ToArray()).view(count, 1, 1, 1);
        var degraded = blurred.mul(gain).add(offset).add(randn_like(blurred).mul(noise));
        return degraded.clamp(-1, 1).MoveToOuterDisposeScope();
    }

    /// <summary>A separable Gaussian blur with reflected borders, its kernel three sigmas wide on each side.</summary>
    private static Tensor Blur(Tensor image, double sigma)
    {
        var radius = (int)Math.Ceiling(3 * sigma);
        var weights = Enumerable.Range(-radius, 2 * radius + 1).Select(d => (float)Math.Exp(-d * d / (2 * sigma * sigma))).ToArray();
        var sum = weights.Sum();
        var kernel = tensor(weights.Select(w => w / sum).ToArray());
        var channels = image.shape[1];
        var horizontal = kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1).contiguous();
        var vertical = kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1).contiguous();
        var padded = F.pad(image, [radius, radius, radius, radius], PaddingModes.Reflect);
        return F.conv2d(F.conv2d(padded, horizontal, groups: channels), vertical, groups: channels);
    }

    /// <summary><paramref name="count"/> values uniform on [-amplitude, amplitude].</summary>
    private static Tensor Uniform(System.Random random, int count, double amplitude) =>
        tensor(Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * amplitude)).ToArray());
}
