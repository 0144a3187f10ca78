using DragGan.Engine.Networks;
using static TorchSharp.torch;

namespace DragGan.Engine.Drag;

/// <summary>Checks of user input for edits; each failure names the offending field.</summary>
internal static class DragValidation
{
    public static void Point(PixelPoint point, int resolution, string field)
    {
        if (!double.IsFinite(point.X) || !double.IsFinite(point.Y))
            throw new ArgumentException($"{field} must be finite, got {point}.", field);
        if (point.X < 0 || point.Y < 0 || point.X > resolution - 1 || point.Y > resolution - 1)
            throw new ArgumentException($"{field} {point} is outside the {resolution}x{resolution} image (0..{resolution - 1}).", field);
    }

    public static void PointCount(int count, DragLimits limits, string field, bool allowEmpty)
    {
        if (count == 0 && !allowEmpty)
            throw new ArgumentException("At least one handle/target pair is required.", field);
        if (count > limits.MaxPoints)
            throw new ArgumentException($"At most {limits.MaxPoints} points are allowed, got {count}.", field);
    }

    public static void LatentLength(float[] values, ImageGenerator generator, string field)
    {
        if (values.Length != generator.NumWs * generator.WDim)
            throw new ArgumentException($"{field} must hold {generator.NumWs}x{generator.WDim} values, got {values.Length}.", field);
    }

    /// <summary>A finite float32 copy [num_ws, w_dim] on the generator's device, from [num_ws, w_dim] or [1, num_ws, w_dim].</summary>
    public static Tensor Latent(Tensor latent, ImageGenerator generator, string field)
    {
        var shape = latent.shape;
        var valid = shape.Length switch
        {
            2 => shape[0] == generator.NumWs && shape[1] == generator.WDim,
            3 => shape[0] == 1 && shape[1] == generator.NumWs && shape[2] == generator.WDim,
            _ => false,
        };
        if (!valid)
            throw new ArgumentException($"{field} must be [{generator.NumWs}, {generator.WDim}], got [{string.Join(", ", shape)}].", field);
        using var scope = NewDisposeScope();
        var values = latent.detach().to(ScalarType.Float32).reshape(generator.NumWs, generator.WDim);
        if (!values.isfinite().all().item<bool>())
            throw new ArgumentException($"{field} contains NaN or infinite values.", field);
        return values.clone().MoveToOuterDisposeScope();
    }

    public static DragParameters Parameters(DragParameters p, ImageGenerator generator)
    {
        Positive(p.LearningRate, "parameters.learning_rate", max: 1);
        Weight(p.MaskWeight, "parameters.mask_weight");
        Weight(p.LatentRegularization, "parameters.latent_regularization");
        if (p.MotionRadius is { } r1) Positive(r1, "parameters.motion_radius", max: generator.Resolution);
        if (p.TrackingRadius is { } r2) Positive(r2, "parameters.tracking_radius", max: generator.Resolution);
        if (p.StopDistance is { } stop) Positive(stop, "parameters.stop_distance", max: generator.Resolution);
        if (p.MaxSteps < 1 || p.MaxSteps > DragParameters.MaxStepsLimit)
            throw new ArgumentException($"parameters.max_steps must be in 1..{DragParameters.MaxStepsLimit}, got {p.MaxSteps}.", "parameters.max_steps");
        if (p.OptimizedLayers < 1 || p.OptimizedLayers > generator.NumWs)
            throw new ArgumentException($"parameters.optimized_layers must be in 1..{generator.NumWs}, got {p.OptimizedLayers}.", "parameters.optimized_layers");
        if (!Enum.IsDefined(p.Space))
            throw new ArgumentException($"parameters.space {p.Space} is not a latent space.", "parameters.space");
        if (!Enum.IsDefined(p.Supervision))
            throw new ArgumentException($"parameters.supervision {p.Supervision} is not a kind of motion supervision.", "parameters.supervision");
        if (!double.IsFinite(p.ConfidenceThreshold) || p.ConfidenceThreshold is < -1 or > 1)
            throw new ArgumentException($"parameters.confidence_threshold must be in [-1, 1], got {p.ConfidenceThreshold}.", "parameters.confidence_threshold");
        return p;
    }

    private static void Positive(double value, string field, double max)
    {
        if (!double.IsFinite(value) || value <= 0 || value > max)
            throw new ArgumentException($"{field} must be in (0, {max}], got {value}.", field);
    }

    private static void Weight(double value, string field)
    {
        if (!double.IsFinite(value) || value < 0 || value > DragParameters.MaxWeight)
            throw new ArgumentException($"{field} must be in [0, {DragParameters.MaxWeight}], got {value}.", field);
    }
}
