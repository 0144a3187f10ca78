using System.Diagnostics;
using DragGan.Inference.Drags;

namespace DragGan.Inference.Telemetry;

/// <summary>
/// The inference service's spans, on the activity source <see cref="SourceName"/>: one per batched
/// drag step. A batch holds edits of several calls, each in its own trace: the span belongs to the
/// trace of the batch's first edit and links to every edit's call, so each trace can find the
/// steps that served it.
/// </summary>
internal static class InferenceTracing
{
    public const string SourceName = "DragGan.Inference";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>A span for the step of <paramref name="batch"/>, or null when nobody records it.</summary>
    public static Activity? StartBatchStep(string model, IReadOnlyList<DragStream> batch)
    {
        if (!Source.HasListeners())
            return null;
        var links = batch.Where(s => s.Trace != default).Select(s => new ActivityLink(s.Trace)).ToList();
        var activity = Source.StartActivity("drag batch step", ActivityKind.Internal, batch[0].Trace, links: links);
        activity?.SetTag("draggan.model", model);
        activity?.SetTag("draggan.batch_size", batch.Count);
        return activity;
    }
}
