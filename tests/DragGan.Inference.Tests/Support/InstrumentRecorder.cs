using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DragGan.Inference.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace DragGan.Inference.Tests.Support;

/// <summary>Records one instrument of one server's <see cref="InferenceMetrics"/> (other servers in the process are ignored).</summary>
public sealed class InstrumentRecorder<T> : IDisposable where T : struct
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<T> _values = new();

    public InstrumentRecorder(InferenceServer server, string instrument)
    {
        var scope = server.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (published, listener) =>
        {
            if (published.Meter.Name == InferenceMetrics.MeterName && ReferenceEquals(published.Meter.Scope, scope) && published.Name == instrument)
                listener.EnableMeasurementEvents(published);
        };
        _listener.SetMeasurementEventCallback<T>((_, value, _, _) => _values.Enqueue(value));
        _listener.Start();
    }

    public IReadOnlyList<T> Values => [.. _values];

    /// <summary>Reads an observable instrument (a gauge) now; its value joins <see cref="Values"/> and is returned.</summary>
    public T Observe()
    {
        var before = _values.Count;
        _listener.RecordObservableInstruments();
        return _values.Skip(before).Last();
    }

    public void Dispose() => _listener.Dispose();
}
