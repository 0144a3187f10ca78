using System.Diagnostics;

namespace DragGan.Sessions.Telemetry;

/// <summary>
/// The session service's spans, on the activity source <see cref="SourceName"/>: a drag's run
/// (from its start to its commit, across failovers) and each inference stream it opens, under the
/// call that started the drag. The outgoing Drag call on each stream carries the trace to the
/// inference replica.
/// </summary>
internal static class SessionsTracing
{
    public const string SourceName = "DragGan.Sessions";

    private static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartDragRun(string dragId, string model)
    {
        var activity = Source.StartActivity("drag run");
        activity?.SetTag("draggan.drag_id", dragId);
        activity?.SetTag("draggan.model", model);
        activity?.SetTag("draggan.failovers", 0);
        return activity;
    }

    public static Activity? StartInferenceStream(string replica, string model, bool resumed)
    {
        var activity = Source.StartActivity("inference stream");
        activity?.SetTag("draggan.replica", replica);
        activity?.SetTag("draggan.model", model);
        activity?.SetTag("draggan.resumed", resumed);
        return activity;
    }
}
