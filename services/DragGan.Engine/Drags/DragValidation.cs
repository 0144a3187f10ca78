using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Drags;

/// <summary>Checks of user input for edits; each failure is a <see cref="DragInputException"/> naming the input.</summary>
internal static class DragValidation
{
    public static void Point(PixelPoint point, int resolution, string input)
    {
        if (!double.IsFinite(point.X) || !double.IsFinite(point.Y))
            throw new DragInputException(input, $"must be finite, got {point}.");
        if (point.X < 0 || point.Y < 0 || point.X > resolution - 1 || point.Y > resolution - 1)
            throw new DragInputException(input, $"{point} is outside the {resolution}x{resolution} image (0..{resolution - 1}).");
    }

    public static void PointCount(int count, DragLimits limits, string input, bool allowEmpty)
    {
        if (count == 0 && !allowEmpty)
            throw new DragInputException(input, "must hold at least one handle/target pair.");
        if (count > limits.MaxPoints)
            throw new DragInputException(input, $"may hold at most {limits.MaxPoints} points, got {count}.");
    }

    public static void LatentLength(float[] values, ImageGenerator generator, string input)
    {
        if (values.Length != generator.NumWs * generator.WDim)
            throw new DragInputException(input, $"must hold {generator.NumWs}x{generator.WDim} values, got {values.Length}.");
    }

    /// <summary>A finite float32 copy [num_ws, w_dim] on the generator's device, from [num_ws, w_dim] or [1, num_ws, w_dim].</summary>
    public static Tensor Latent(Tensor latent, ImageGenerator generator, string input)
    {
        var shape = latent.shape;
        var valid = shape.Length switch
        {
            2 => shape[0] == generator.NumWs && shape[1] == generator.WDim,
            3 => shape[0] == 1 && shape[1] == generator.NumWs && shape[2] == generator.WDim,
            _ => false,
        };
        if (!valid)
            throw new DragInputException(input, $"must be [{generator.NumWs}, {generator.WDim}], got [{string.Join(", ", shape)}].");
        using var scope = NewDisposeScope();
        var values = latent.detach().to(ScalarType.Float32).reshape(generator.NumWs, generator.WDim);
        if (!values.isfinite().all().item<bool>())
            throw new DragInputException(input, "contains NaN or infinite values.");
        return values.clone().MoveToOuterDisposeScope();
    }

    /// <summary><paramref name="p"/> checked against <paramref name="generator"/>; <paramref name="input"/> names the parameters.</summary>
    public static DragParameters Parameters(DragParameters p, ImageGenerator generator, string input)
    {
        Positive(p.LearningRate, $"{input}.{nameof(p.LearningRate)}", max: 1);
        Weight(p.MaskWeight, $"{input}.{nameof(p.MaskWeight)}");
        Weight(p.LatentRegularization, $"{input}.{nameof(p.LatentRegularization)}");
        if (p.MotionRadius is { } r1) Positive(r1, $"{input}.{nameof(p.MotionRadius)}", max: generator.Resolution);
        if (p.TrackingRadius is { } r2) Positive(r2, $"{input}.{nameof(p.TrackingRadius)}", max: generator.Resolution);
        if (p.StopDistance is { } stop) Positive(stop, $"{input}.{nameof(p.StopDistance)}", max: generator.Resolution);
        if (p.MaxSteps < 1 || p.MaxSteps > DragParameters.MaxStepsLimit)
            throw new DragInputException($"{input}.{nameof(p.MaxSteps)}", $"must be in 1..{DragParameters.MaxStepsLimit}, got {p.MaxSteps}.");
        if (p.OptimizedLayers < 1 || p.OptimizedLayers > generator.NumWs)
            throw new DragInputException($"{input}.{nameof(p.OptimizedLayers)}", $"must be in 1..{generator.NumWs}, got {p.OptimizedLayers}.");
        if (!Enum.IsDefined(p.Space))
            throw new DragInputException($"{input}.{nameof(p.Space)}", $"{p.Space} is not a latent space.");
        if (!Enum.IsDefined(p.Supervision))
            throw new DragInputException($"{input}.{nameof(p.Supervision)}", $"{p.Supervision} is not a kind of motion supervision.");
        if (!double.IsFinite(p.ConfidenceThreshold) || p.ConfidenceThreshold is < -1 or > 1)
            throw new DragInputException($"{input}.{nameof(p.ConfidenceThreshold)}", $"must be in [-1, 1], got {p.ConfidenceThreshold}.");
        return p;
    }

    private static void Positive(double value, string input, double max)
    {
        if (!double.IsFinite(value) || value <= 0 || value > max)
            throw new DragInputException(input, $"must be in (0, {max}], got {value}.");
    }

    private static void Weight(double value, string input)
    {
        if (!double.IsFinite(value) || value < 0 || value > DragParameters.MaxWeight)
            throw new DragInputException(input, $"must be in [0, {DragParameters.MaxWeight}], got {value}.");
    }
}
