using DragGan.Engine.Drags;
using DragGan.Inference.Services;
using DragGan.Protos.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;
using EngineHandle = DragGan.Engine.Drags.DragHandleState;
using EngineParameters = DragGan.Engine.Drags.DragParameters;
using EngineSpace = DragGan.Engine.Drags.LatentSpace;
using ModelInfo = DragGan.Engine.Models.ModelInfo;
using HandleMessage = DragGan.Protos.V1.DragHandleState;
using ParametersMessage = DragGan.Protos.V1.DragParameters;
using SpaceMessage = DragGan.Protos.V1.LatentSpace;

namespace DragGan.Inference.Drags;

/// <summary>
/// Between the Drag contract's messages and the engine's types. Checks that need only the model
/// (points inside the image, mask size, latent shape) happen here and name the request field;
/// checks that need the edit (point indices, fixed latent space) happen when an update applies.
/// </summary>
internal static class DragMessages
{
    public static PixelPoint Point(Point? point, int resolution, string field)
    {
        if (point is null)
            throw Invalid.Argument(field, "must be set.");
        var pixel = new PixelPoint(point.X, point.Y);
        if (!double.IsFinite(pixel.X) || !double.IsFinite(pixel.Y))
            throw Invalid.Argument(field, $"must be finite, got {pixel}.");
        if (pixel.X < 0 || pixel.Y < 0 || pixel.X > resolution - 1 || pixel.Y > resolution - 1)
            throw Invalid.Argument(field, $"{pixel} is outside the {resolution}x{resolution} image (0..{resolution - 1}).");
        return pixel;
    }

    public static (PixelPoint Handle, PixelPoint Target) Pair(PointPair? pair, int resolution, string field)
    {
        if (pair is null)
            throw Invalid.Argument(field, "must be set.");
        return (Point(pair.Handle, resolution, $"{field}.handle"), Point(pair.Target, resolution, $"{field}.target"));
    }

    public static Point ToMessage(PixelPoint point) => new() { X = point.X, Y = point.Y };

    /// <summary>The fixed region (true = fixed), or null for an absent or empty mask.</summary>
    public static bool[]? FixedRegion(Mask? mask, int resolution, string field)
    {
        if (mask is null || mask.Values.IsEmpty)
            return null;
        if (mask.Width != resolution)
            throw Invalid.Argument($"{field}.width", $"must equal the model's resolution {resolution}, got {mask.Width}.");
        if (mask.Height != resolution)
            throw Invalid.Argument($"{field}.height", $"must equal the model's resolution {resolution}, got {mask.Height}.");
        if (mask.Values.Length != resolution * resolution)
            throw Invalid.Argument($"{field}.values", $"must hold width * height = {resolution * resolution} bytes, got {mask.Values.Length}.");
        var values = mask.Values.Span;
        var region = new bool[values.Length];
        for (var i = 0; i < values.Length; i++)
            region[i] = values[i] != 0;
        return region;
    }

    public static Mask ToMessage(bool[] fixedRegion, int resolution)
    {
        var bytes = new byte[fixedRegion.Length];
        for (var i = 0; i < bytes.Length; i++)
            bytes[i] = fixedRegion[i] ? (byte)1 : (byte)0;
        return new Mask { Width = (uint)resolution, Height = (uint)resolution, Values = ByteString.CopyFrom(bytes) };
    }

    /// <summary>
    /// <paramref name="current"/> (or the defaults, with the model's learning rate) with the fields
    /// the message sets. Ranges are checked by the engine, which names "parameters.*".
    /// </summary>
    public static EngineParameters Parameters(ParametersMessage? message, ModelInfo model, EngineParameters? current, string field)
    {
        var result = current ?? new EngineParameters { LearningRate = model.DefaultLearningRate };
        if (message is null)
            return result;
        if (message.HasMotionRadius) result = result with { MotionRadius = message.MotionRadius };
        if (message.HasTrackingRadius) result = result with { TrackingRadius = message.TrackingRadius };
        if (message.HasMaskWeight) result = result with { MaskWeight = message.MaskWeight };
        if (message.HasLearningRate) result = result with { LearningRate = message.LearningRate };
        if (message.HasStopDistance) result = result with { StopDistance = message.StopDistance };
        if (message.HasLatentRegularization) result = result with { LatentRegularization = message.LatentRegularization };
        if (message.HasMaxSteps) result = result with { MaxSteps = (int)Math.Min(message.MaxSteps, int.MaxValue) };
        if (message.HasOptimizedLayers) result = result with { OptimizedLayers = (int)Math.Min(message.OptimizedLayers, int.MaxValue) };
        result = message.Space switch
        {
            SpaceMessage.Unspecified => result,
            SpaceMessage.WPlus => result with { Space = EngineSpace.WPlus },
            SpaceMessage.W => result with { Space = EngineSpace.W },
            _ => throw Invalid.Argument($"{field}.space", $"must be W_PLUS or W, got {(int)message.Space}."),
        };
        return result;
    }

    /// <summary>Every field set, as the contract's DragState promises.</summary>
    public static ParametersMessage ToMessage(EngineParameters resolved) => new()
    {
        MotionRadius = resolved.MotionRadius ?? throw new ArgumentException("Parameters must be resolved.", nameof(resolved)),
        TrackingRadius = resolved.TrackingRadius ?? throw new ArgumentException("Parameters must be resolved.", nameof(resolved)),
        StopDistance = resolved.StopDistance ?? throw new ArgumentException("Parameters must be resolved.", nameof(resolved)),
        MaskWeight = resolved.MaskWeight,
        LearningRate = resolved.LearningRate,
        LatentRegularization = resolved.LatentRegularization,
        MaxSteps = (uint)resolved.MaxSteps,
        OptimizedLayers = (uint)resolved.OptimizedLayers,
        Space = resolved.Space == EngineSpace.W ? SpaceMessage.W : SpaceMessage.WPlus,
    };

    /// <summary>The engine's state from a DragState message; <paramref name="field"/> is where it sits in the request.</summary>
    public static DragEditState State(DragState message, ModelInfo model, string field)
    {
        if (message.InitialLatent is null)
            throw Invalid.Argument($"{field}.initial_latent", "must be set.");
        if (message.Latent is null)
            throw Invalid.Argument($"{field}.latent", "must be set.");
        var handles = new EngineHandle[message.Handles.Count];
        for (var i = 0; i < handles.Length; i++)
            handles[i] = HandleState(message.Handles[i], model.Resolution, $"{field}.handles[{i}]");
        return new DragEditState
        {
            NumWs = model.NumWs,
            WDim = model.WDim,
            InitialLatent = LatentMessages.ToWPlus(message.InitialLatent, model, $"{field}.initial_latent"),
            Latent = LatentMessages.ToWPlus(message.Latent, model, $"{field}.latent"),
            Handles = handles,
            FixedRegion = FixedRegion(message.Mask, model.Resolution, $"{field}.mask"),
            Parameters = Parameters(message.Parameters, model, null, $"{field}.parameters"),
            Step = (int)Math.Min(message.Step, int.MaxValue),
            Adam = message.Adam is { } adam ? new AdamSnapshot(adam.FirstMoment.ToArray(), adam.SecondMoment.ToArray(), (int)Math.Min(adam.Steps, int.MaxValue)) : null,
        };
    }

    public static DragState ToMessage(DragEditState state, string model, EngineParameters resolved, int resolution)
    {
        var message = new DragState
        {
            Model = model,
            InitialLatent = LatentMessages.FromWPlus(state.InitialLatent, state.NumWs, state.WDim),
            Latent = LatentMessages.FromWPlus(state.Latent, state.NumWs, state.WDim),
            Mask = state.FixedRegion is { } region ? ToMessage(region, resolution) : null,
            Parameters = ToMessage(resolved),
            Step = (uint)state.Step,
        };
        foreach (var handle in state.Handles)
        {
            var handleMessage = new HandleMessage
            {
                Handle = ToMessage(handle.Handle),
                Target = ToMessage(handle.Target),
                Origin = handle.Origin is { } origin ? ToMessage(origin) : null,
            };
            if (handle.ReferenceFeature is { } feature)
                handleMessage.ReferenceFeature.AddRange(feature);
            message.Handles.Add(handleMessage);
        }
        if (state.Adam is { } adam)
        {
            var adamMessage = new AdamState { Steps = (uint)adam.Steps };
            adamMessage.FirstMoment.AddRange(adam.FirstMoment);
            adamMessage.SecondMoment.AddRange(adam.SecondMoment);
            message.Adam = adamMessage;
        }
        return message;
    }

    public static RepeatedField<Point> ToMessages(IEnumerable<PixelPoint> points)
    {
        var messages = new RepeatedField<Point>();
        messages.AddRange(points.Select(ToMessage));
        return messages;
    }

    private static EngineHandle HandleState(HandleMessage message, int resolution, string field)
    {
        var handle = Point(message.Handle, resolution, $"{field}.handle");
        var target = Point(message.Target, resolution, $"{field}.target");
        return new EngineHandle(handle, target)
        {
            Origin = message.Origin is { } origin ? Point(origin, resolution, $"{field}.origin") : null,
            ReferenceFeature = message.ReferenceFeature.Count > 0 ? message.ReferenceFeature.ToArray() : null,
        };
    }
}
