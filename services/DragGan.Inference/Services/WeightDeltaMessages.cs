using DragGan.Engine.Networks;
using DragGan.Engine.Tuning;
using DragGan.Inference.Drags;
using Google.Protobuf;

namespace DragGan.Inference.Services;

/// <summary>
/// Pivotal-tuning deltas on the wire: the bytes of <see cref="WeightDeltaFormat"/>, carried by the
/// final InvertProgress and sent back with every DragStart, DragResume and Generate that renders
/// the tuned photo.
/// </summary>
internal static class WeightDeltaMessages
{
    /// <summary>The delta <paramref name="bytes"/> hold for <paramref name="generator"/> (model <paramref name="model"/>), or null when empty.</summary>
    /// <exception cref="Grpc.Core.RpcException">
    /// INVALID_ARGUMENT naming <paramref name="field"/> and the refused part of the delta
    /// ("start.weight_delta.checksum", "start.weight_delta.model_id", "start.weight_delta.layers[2].shape").
    /// </exception>
    public static WeightDelta? Read(ByteString bytes, string model, ImageGenerator generator, string field)
    {
        if (bytes.IsEmpty)
            return null;
        if (generator.ConvLayers.Count == 0)
            throw Invalid.Argument(field, $"cannot be applied: model '{model}' is a {generator.Kind} generator, which takes no weight deltas.");
        // The service serves low-rank deltas only (full ones are for the benchmark's comparison).
        var largest = WeightDeltaFormat.SizeOf(model, generator.ConvLayers, WeightDeltaFormat.MaxRank);
        if (bytes.Length > largest)
            throw Invalid.Argument(field, $"is {bytes.Length} bytes; a low-rank delta for model '{model}' takes at most {largest} (rank {WeightDeltaFormat.MaxRank}).");
        try
        {
            return WeightDeltaFormat.Read(bytes.Span, model, generator.ConvLayers);
        }
        catch (WeightDeltaFormatException e)
        {
            // The engine names the delta's parts "delta.ModelId", "delta.Layers[2].Shape"; the contract snake_cases them under the field.
            var part = e.Field == "delta" ? "" : "." + DragRequestFields.Of(e.Field["delta.".Length..]);
            throw Invalid.Argument(field + part, e.Problem);
        }
    }

    public static ByteString Write(WeightDelta delta) => ByteString.CopyFrom(WeightDeltaFormat.Write(delta));
}
