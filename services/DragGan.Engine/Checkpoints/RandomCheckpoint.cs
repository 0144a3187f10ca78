using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Checkpoints;

/// <summary>
/// Untrained generators with the official initialisation of <c>training.networks</c>, drawn from a
/// seeded CPU <see cref="Generator"/>: the same seed and config give the same tensors on every run.
/// For benchmarks and the demo model; such a generator draws no recognisable images.
/// </summary>
public static class RandomCheckpoint
{
    /// <summary>
    /// A checkpoint of <paramref name="config"/> initialised as the reference does:
    /// fully connected weights ~ N(0, 1) / lr_multiplier (the mapping's 0.01 makes them ~ N(0, 100^2)),
    /// biases 0 except the style affines' (bias_init = 1), convolution and toRGB weights ~ N(0, 1),
    /// <c>const</c> and <c>noise_const</c> ~ N(0, 1), <c>noise_strength</c> 0, <c>w_avg</c> 0, and
    /// the normalised [1, 3, 3, 1] outer product as every <c>resample_filter</c>. Tensors are
    /// drawn in the order of <see cref="GeneratorLayout.For"/>.
    /// </summary>
    public static GeneratorCheckpoint Create(GeneratorConfig config, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegative(seed);
        config.Validate();

        using var generator = new Generator((ulong)seed, CPU);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var spec in GeneratorLayout.For(config))
                tensors.Add(spec.Name, Initial(spec, config, generator));
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
        return new GeneratorCheckpoint(config, tensors);
    }

    /// <summary><c>upfirdn2d.setup_filter([1, 3, 3, 1])</c>: the outer product normalised to sum 1, [4, 4].</summary>
    public static Tensor ResampleFilter()
    {
        float[] taps = [1, 3, 3, 1];
        var values = new float[16];
        for (var i = 0; i < 4; i++)
        {
            for (var j = 0; j < 4; j++)
                values[i * 4 + j] = taps[i] * taps[j] / 64f;
        }
        return tensor(values, [4, 4]);
    }

    private static Tensor Initial(TensorSpec spec, GeneratorConfig config, Generator generator)
    {
        var name = spec.Name;
        var shape = spec.Shape;
        if (name.EndsWith(".resample_filter", StringComparison.Ordinal))
            return ResampleFilter();
        if (name == "mapping.w_avg")
            return zeros(shape);
        if (name.StartsWith("mapping.fc", StringComparison.Ordinal))
        {
            if (name.EndsWith(".weight", StringComparison.Ordinal))
            {
                using var weight = randn(shape, generator: generator);
                return weight.div(config.MappingLrMultiplier);
            }
            return zeros(shape);
        }
        if (name.EndsWith(".affine.weight", StringComparison.Ordinal))
            return randn(shape, generator: generator);
        if (name.EndsWith(".affine.bias", StringComparison.Ordinal))
            return ones(shape);
        if (name.EndsWith(".const", StringComparison.Ordinal) || name.EndsWith(".noise_const", StringComparison.Ordinal) ||
            name.EndsWith(".weight", StringComparison.Ordinal))
            return randn(shape, generator: generator);
        if (name.EndsWith(".noise_strength", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal))
            return zeros(shape);
        throw new InvalidOperationException($"No initialisation rule for '{name}'.");
    }
}
