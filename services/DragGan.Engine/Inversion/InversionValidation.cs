using DragGan.Engine.Drags;
using DragGan.Engine.Networks;

namespace DragGan.Engine.Inversion;

/// <summary>Checks of a projection's request; each failure names the offending field as the service's <c>start</c> message does.</summary>
internal static class InversionValidation
{
    public static InversionOptions Options(InversionOptions options)
    {
        if (!Enum.IsDefined(options.Space))
            throw new ArgumentException($"start.space {options.Space} is not a latent space.", "start.space");
        if (options.Steps < 1 || options.Steps > InversionOptions.MaxStepsLimit)
            throw new ArgumentException($"start.steps must be in 1..{InversionOptions.MaxStepsLimit}, got {options.Steps}.", "start.steps");
        InRange(options.LearningRate, "start.learning_rate", max: 1);
        InRange(options.NoiseRampLength, "start.noise_ramp_length", max: 1);
        InRange(options.LearningRateRampUp, "start.learning_rate_ramp_up", max: 1);
        InRange(options.LearningRateRampDown, "start.learning_rate_ramp_down", max: 1);
        NonNegative(options.InitialNoiseFactor, "start.initial_noise_factor");
        NonNegative(options.NoiseRegularizationWeight, "start.noise_regularization_weight");
        NonNegative(options.PixelWeight, "start.pixel_weight");
        NonNegative(options.PerceptualWeight, "start.perceptual_weight");
        var perceptual = options.PerceptualDistance is not null && options.PerceptualWeight > 0;
        if (options.PixelWeight == 0 && !perceptual)
            throw new ArgumentException("start.pixel_weight must be positive when no perceptual distance is weighted in: the loss would have no image term.", "start.pixel_weight");
        return options;
    }

    /// <summary>
    /// The latent to start from as the optimised rows: [1, w_dim] for W, [num_ws, w_dim] for W+.
    /// <paramref name="values"/> holds one w or num_ws rows; in W space the rows must be equal.
    /// </summary>
    public static float[] InitialRows(float[] values, LatentSpace space, ImageGenerator generator, string field)
    {
        int wDim = generator.WDim, numWs = generator.NumWs;
        if (values.Length != wDim && values.Length != numWs * wDim)
            throw new ArgumentException($"{field} must hold {wDim} values (one w) or {numWs}x{wDim} (w+), got {values.Length}.", field);
        if (values.Any(v => !float.IsFinite(v)))
            throw new ArgumentException($"{field} contains NaN or infinite values.", field);
        var rows = values.Length / wDim;
        if (space == LatentSpace.W)
        {
            var first = values.AsSpan(0, wDim);
            for (var row = 1; row < rows; row++)
            {
                if (!values.AsSpan(row * wDim, wDim).SequenceEqual(first))
                    throw new ArgumentException($"{field} has differing rows (w+), which space W cannot start from; pass one w or use W+.", field);
            }
            return first.ToArray();
        }
        return rows == numWs ? values.ToArray() : Enumerable.Repeat(values, numWs).SelectMany(v => v).ToArray();
    }

    private static void InRange(double value, string field, double max)
    {
        if (!double.IsFinite(value) || value <= 0 || value > max)
            throw new ArgumentException($"{field} must be in (0, {max}], got {value}.", field);
    }

    private static void NonNegative(double value, string field)
    {
        if (!double.IsFinite(value) || value < 0)
            throw new ArgumentException($"{field} must be finite and >= 0, got {value}.", field);
    }
}
