using System.Diagnostics.Metrics;

namespace DragGan.Sessions.Telemetry;

/// <summary>
/// The session service's own metrics, on a <see cref="Meter"/> named <see cref="MeterName"/>,
/// exported with ASP.NET Core's request, Kestrel and rate-limiting meters at /metrics on
/// <see cref="SessionsOptions.MetricsPort"/>. Names are Prometheus names already (the exporter
/// adds <c>_total</c> to counters).
/// </summary>
public sealed class SessionsMetrics
{
    public const string MeterName = "DragGan.Sessions";

    /// <summary>The framework meters exported beside this one.</summary>
    public static readonly string[] FrameworkMeters =
    [
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.RateLimiting",
    ];

    private readonly UpDownCounter<long> _activeDrags;
    private readonly Counter<long> _dragsEnded;
    private readonly Counter<long> _dragResumes;

    public SessionsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _activeDrags = meter.CreateUpDownCounter<long>("draggan_sessions_active_drags", "{drag}",
            "Drags this replica runs against the inference replicas.");
        _dragsEnded = meter.CreateCounter<long>("draggan_sessions_drags_ended", "{drag}",
            "Drags ended (label outcome: committed, discarded, failed).");
        _dragResumes = meter.CreateCounter<long>("draggan_sessions_drag_resumes", "{resume}",
            "Times a drag left its inference replica to resume on another (label reason: failed, handed_back).");
    }

    public void DragStarted() => _activeDrags.Add(1);

    public void DragEnded(string outcome)
    {
        _activeDrags.Add(-1);
        _dragsEnded.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void DragResumed(string reason) => _dragResumes.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
